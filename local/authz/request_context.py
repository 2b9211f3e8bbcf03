"""The request context: the caller's keys, plus those AWS derives from the principal and the clock.

Keys are stored lower-cased because condition key names are case-insensitive. Keys the caller gave
win over derived ones. ``aws:userid`` of a role session or IAM user holds a unique id the engine
cannot know (``AROA...:session``), so it is derived only for the root user (the account id).
"""

from __future__ import annotations

from datetime import UTC, datetime

from local.authz.model import ContextValue, Request
from local.authz.principals import root_account


def _principal_type(arn: str, session_arn: str | None) -> str:
    if root_account(arn):
        return "Account"
    if session_arn or ":role/" in arn:
        return "AssumedRole"
    if ":federated-user/" in arn:
        return "FederatedUser"
    return "User"


def build_context(request: Request, resource_account: str | None) -> dict[str, ContextValue]:
    principal = request.principal
    now = datetime.now(UTC)
    derived: dict[str, ContextValue] = {
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": int(now.timestamp()),
        "aws:PrincipalIsAWSService": principal.service is not None,
    }
    if resource_account:
        derived["aws:ResourceAccount"] = resource_account
    if principal.service is not None:
        derived["aws:PrincipalServiceName"] = principal.service
    else:
        derived["aws:PrincipalArn"] = principal.arn
        derived["aws:PrincipalType"] = _principal_type(principal.arn, principal.session_arn)
        if principal.account:
            derived["aws:PrincipalAccount"] = principal.account
        if root_account(principal.arn):
            derived["aws:userid"] = principal.account or ""
        elif ":user/" in principal.arn:
            derived["aws:username"] = principal.arn.rsplit("/", 1)[-1]
    context = {key.lower(): value for key, value in derived.items()}
    context.update((key.lower(), value) for key, value in request.context.items())
    return context
