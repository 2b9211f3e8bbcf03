"""cdk-nag at synth, and acknowledgements written next to the resource they are about.

Finding ids name resources the way cdk-nag renders them: ``<LogicalId.Arn>``, ``<AWS::Region>``.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

from infra.powertools import POWERTOOLS_VERSION

RUNTIME_REASON = (
    "The lambdas/ asset is built and tested for Python 3.13 with the pinned Powertools "
    f"{POWERTOOLS_VERSION} layer; the runtime moves when that layer and the tests do."
)


def check_at_synth(app: IConstruct) -> None:
    """An unacknowledged AwsSolutions finding fails ``cdk synth``."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: Construct, finding: str, reason: str) -> None:
    """One finding id covers every statement of a policy with that wildcard: the reasons add up."""
    earlier = acknowledged(scope).get(finding)
    if earlier and reason not in earlier:
        reason = f"{earlier} {reason}"
    Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=reason))


def acknowledged(scope: IConstruct) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in scope.node.metadata:
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
            found.update(entry.data)
    return found


def nag_text(scope: Construct, value: Any) -> str:
    return _render(Stack.of(scope).resolve(value))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding id")


def acknowledge_wildcards(scope: Construct, actions: list[str], resources: list[str], reason: str) -> None:
    """Acknowledge the IAM5 findings a statement's wildcards raise, with the statement's own reason."""
    for action in actions:
        if "*" in action:
            acknowledge(scope, f"AwsSolutions-IAM5[Action::{action}]", reason)
    for resource in resources:
        text = nag_text(scope, resource)
        if "*" in text:
            acknowledge(scope, f"AwsSolutions-IAM5[Resource::{text}]", reason)
