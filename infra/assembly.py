"""Builds the app's stack: app.py (context from the CDK CLI) and in-process callers (tests, the local
deployer) share this one wiring. In-process callers pass cdk.json's context plus overrides, as
``cdk synth -c key=value`` would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from customlabels.naming import STACK_NAME
from infra.config import load_config
from infra.stack import CustomLabelsStack

ROOT = Path(__file__).resolve().parent.parent


def cdk_json_context() -> dict[str, Any]:
    return json.loads((ROOT / "cdk.json").read_text()).get("context", {})


def add_stack(app: cdk.App) -> CustomLabelsStack:
    return CustomLabelsStack(app, STACK_NAME, config=load_config(app.node))


def build_stack(overrides: dict[str, Any] | None = None, outdir: str | None = None) -> CustomLabelsStack:
    app = cdk.App(context={**cdk_json_context(), **(overrides or {})}, outdir=outdir)
    return add_stack(app)
