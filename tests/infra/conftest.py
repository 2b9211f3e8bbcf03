"""One synthesized stack per test session, shared by every infrastructure test."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.stack import CustomLabelsStack
from tests.infra.synth import build_stack


@pytest.fixture(scope="session")
def stack() -> CustomLabelsStack:
    return build_stack()


@pytest.fixture(scope="session")
def template(stack: CustomLabelsStack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture(scope="session")
def template_json(template: Template) -> dict[str, Any]:
    return template.to_json()
