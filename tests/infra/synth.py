"""Builds the app's stack in-process with cdk.json's context plus overrides (as `cdk synth -c` would)."""

from __future__ import annotations

from typing import Any

from infra.assembly import build_stack as _build
from infra.stack import CustomLabelsStack


def build_stack(**overrides: Any) -> CustomLabelsStack:
    return _build(overrides)
