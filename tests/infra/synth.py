"""Builds the app's stack in-process with cdk.json's context plus overrides (as `cdk synth -c` would)."""

from __future__ import annotations

import json
from typing import Any

from infra.assembly import build_stack as _build
from infra.stack import CustomLabelsStack


def build_stack(**overrides: Any) -> CustomLabelsStack:
    return _build(overrides)


PLACEHOLDER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:placeholder"


def state_machine_definition(resource: dict[str, Any]) -> dict[str, Any]:
    """A state machine's ASL with every CloudFormation reference replaced by a placeholder ARN."""
    parts = resource["Properties"]["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else PLACEHOLDER_ARN for part in parts))
