"""SendTaskFailure keeps its cause, as in AWS (moto's response handler passes only the error on).

The approval gate's `Rejected` failure shows the reviewer's reason from that cause.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.stepfunctions.responses import StepFunctionResponse

from local.patches import Patch, apply


def send_task_failure(self: Any) -> ActionResult:
    self.stepfunction_backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    return EmptyResult()


PATCHES = (
    Patch(
        StepFunctionResponse,
        "send_task_failure",
        send_task_failure,
        "moto's SendTaskFailure handler, which drops the cause",
    ),
)


def install() -> None:
    apply(PATCHES)
