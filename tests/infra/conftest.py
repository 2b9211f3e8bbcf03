"""The default stack, synthesized once per test session and shared by every infrastructure test."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.stack import CustomLabelsStack
from tests.infra.synth import build_stack, json_of, template_of


@pytest.fixture(scope="session")
def stack() -> CustomLabelsStack:
    return build_stack()


@pytest.fixture(scope="session")
def template(stack: CustomLabelsStack) -> Template:
    return template_of(stack)


@pytest.fixture(scope="session")
def template_json(stack: CustomLabelsStack) -> dict[str, Any]:
    return json_of(stack)
