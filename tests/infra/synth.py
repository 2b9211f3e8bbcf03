"""Builds the app's stack in-process with cdk.json's context plus overrides (as `cdk synth -c` would)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk

from infra.config import load_config
from infra.stack import CustomLabelsStack

ROOT = Path(__file__).resolve().parents[2]


def cdk_context() -> dict[str, Any]:
    return json.loads((ROOT / "cdk.json").read_text())["context"]


def build_stack(**overrides: Any) -> CustomLabelsStack:
    app = cdk.App(context={**cdk_context(), **overrides})
    return CustomLabelsStack(app, "CustomLabelsPipeline", config=load_config(app.node))
