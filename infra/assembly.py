"""Builds the app's stack: app.py (context from the CDK CLI) and in-process callers (tests, the local
deployer) share this one wiring. In-process callers pass cdk.json's context plus overrides, as
``cdk synth -c key=value`` would."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from customlabels.naming import production_stack_name_for, stack_name_for
from infra.config import Config, ConfigError, load_config
from infra.promotion.stack import CustomLabelsProductionStack
from infra.stack import CustomLabelsStack

ROOT = Path(__file__).resolve().parent.parent
STACK_NAME_CONTEXT = "stackName"
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")  # CloudFormation's rule for stack names


def cdk_json_context() -> dict[str, Any]:
    return json.loads((ROOT / "cdk.json").read_text()).get("context", {})


def add_stack(app: cdk.App) -> CustomLabelsStack:
    """The project's training stack, and with -c productionAccount=<id> the production stack beside it;
    each project's stacks are named after it, so projects deploy side by side."""
    config = load_config(app.node)
    stack = CustomLabelsStack(app, stack_name(app, config), config=config)
    if config.productionAccount:
        add_production_stack(app, config)
    return stack


def stack_name(app: cdk.App, config: Config) -> str:
    """The project's stack name; ``-c stackName=NAME`` keeps the stack a project was deployed in before
    stacks followed projects (``CustomLabelsPipeline`` with another projectName) instead of a new one."""
    given = app.node.try_get_context(STACK_NAME_CONTEXT)
    if given is None:
        return stack_name_for(config.projectName)
    if not isinstance(given, str) or not _STACK_NAME.match(given):
        raise ConfigError(
            f"context {STACK_NAME_CONTEXT}={given!r} is not a stack name: a letter, then up to 127 letters, "
            "digits or '-'"
        )
    return given


def add_production_stack(app: cdk.App, config: Config) -> CustomLabelsProductionStack:
    training_account = config.trainingAccount or os.environ.get("CDK_DEFAULT_ACCOUNT")
    if not training_account:
        raise ConfigError(
            "productionAccount needs the training account's id: pass -c trainingAccount=<id> "
            "(or run cdk with the training account's credentials)"
        )
    environment = cdk.Environment(account=config.productionAccount, region=config.productionRegion)
    return CustomLabelsProductionStack(
        app,
        production_stack_name_for(config.projectName),
        config=config,
        training_account=training_account,
        env=environment,
    )


def build_stack(overrides: dict[str, Any] | None = None, outdir: str | None = None) -> CustomLabelsStack:
    app = cdk.App(context={**cdk_json_context(), **(overrides or {})}, outdir=outdir)
    return add_stack(app)
