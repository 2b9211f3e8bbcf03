"""How the local endpoint evaluates bucket policies: as AWS would for a request made over TLS.

moto checks a bucket's policy on every object request but cannot evaluate ``Bool`` conditions: it
treats them as met, so the CDK's ``enforceSSL`` statement (Deny ``s3:*`` when
``aws:SecureTransport`` is false) would deny every object request. Clients of the local endpoint
stand in for SDK clients of AWS, which always use TLS, so the policy is evaluated with
``aws:SecureTransport = true``: statements that only apply to plain-HTTP requests drop out, and every
other statement (an unconditional deny, say) is enforced by moto as before. The stored policy is
never changed: ``GetBucketPolicy`` returns what the template says.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

from local.patches import Patch, apply, remove

SECURE_TRANSPORT = "aws:SecureTransport"


def over_tls(document: dict[str, Any]) -> dict[str, Any]:
    """The policy as it applies to a TLS request: ``aws:SecureTransport`` conditions resolved to true."""
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    applicable = []
    for statement in statements:
        condition = {op: dict(keys) for op, keys in statement.get("Condition", {}).items()}
        required = condition.get("Bool", {}).pop(SECURE_TRANSPORT, None)
        if required is not None and str(required).lower() != "true":
            continue
        condition = {op: keys for op, keys in condition.items() if keys}
        applicable.append(
            {k: v for k, v in statement.items() if k != "Condition"}
            | ({"Condition": condition} if condition else {})
        )
    return {**document, "Statement": applicable}


def _get_permission_over_tls(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = over_tls(json.loads(self.policy.decode()))
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


PATCHES = (
    Patch(
        FakeBucket,
        "get_permission",
        _get_permission_over_tls,
        "moto's bucket-policy check, which treats Bool conditions (aws:SecureTransport) as met",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
