"""An execution started without a name gets a unique one, as in AWS (moto's parser names it ``None``)."""

from __future__ import annotations

import uuid
from typing import Any

from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from local.patches import Patch, apply

_original = StepFunctionsParserBackend.start_execution


def start_execution(
    self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any
) -> Any:
    return _original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)


PATCHES = (
    Patch(
        StepFunctionsParserBackend,
        "start_execution",
        start_execution,
        "moto's StartExecution, which names an execution started without a name None",
    ),
)


def install() -> None:
    apply(PATCHES)
