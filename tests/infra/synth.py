"""Builds the app's stack in-process with cdk.json's context plus overrides (as `cdk synth -c` would),
once per set of overrides in a test session: tests only read a synthesized stack, so those asking for
the same context share it (a synth costs seconds of jsii time)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.assembly import build_stack as _build
from infra.promotion.stack import PRODUCTION_STACK_NAME, CustomLabelsProductionStack
from infra.stack import CustomLabelsStack


def build_stack(**overrides: Any) -> CustomLabelsStack:
    """The training stack for these context overrides (shared: never change it in a test)."""
    return _cached_stack(tuple(sorted(overrides.items())))


@cache
def _cached_stack(overrides: tuple[tuple[str, Any], ...]) -> CustomLabelsStack:
    return _build(dict(overrides))


def production_stack(training: CustomLabelsStack) -> CustomLabelsProductionStack:
    """The production stack built beside `training` (with -c productionAccount=...)."""
    return training.node.root.node.find_child(PRODUCTION_STACK_NAME)


@cache
def template_of(stack: Stack) -> Template:
    """The stack's synthesized template, once per stack."""
    return Template.from_stack(stack)


@cache
def json_of(stack: Stack) -> dict[str, Any]:
    """The template as JSON, shared by every test that reads it (never change it in a test)."""
    return template_of(stack).to_json()


PLACEHOLDER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:placeholder"


def state_machine_definition(resource: dict[str, Any]) -> dict[str, Any]:
    """A state machine's ASL with every CloudFormation reference replaced by a placeholder ARN."""
    parts = resource["Properties"]["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else PLACEHOLDER_ARN for part in parts))
