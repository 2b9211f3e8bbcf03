"""Authorization on the local endpoint: every call is checked the way AWS checks it.

``install()`` puts the checks in place (requests, service deliveries, the credentials Lambda functions,
state machines and event-source pollers run with); ``enabled()`` says whether they are in place.
The decisions themselves are made by the policy engine in ``local.authz``.
"""

from __future__ import annotations

from typing import Any

import boto3

from local.access import deliveries, interception, roles, state_machines
from local.access.decisions import ProjectPolicies, ResourceTags, recent_denials, use_custom_labels
from local.access.principals import Credentials, role_credentials
from local.provision.base import Clients

__all__ = [
    "Credentials",
    "clients_for_role",
    "enabled",
    "install",
    "recent_denials",
    "refusal",
    "role_credentials_if_enabled",
]
_installed = False


def install(project_policies: ProjectPolicies, resource_tags: ResourceTags) -> None:
    """`project_policies` looks up the Custom Labels project policies a call from another account needs,
    `resource_tags` a Custom Labels resource's tags (``aws:ResourceTag/<key>``)."""
    global _installed
    use_custom_labels(project_policies, resource_tags)
    interception.install()
    deliveries.install()
    state_machines.install()
    roles.install()
    _installed = True


def uninstall() -> None:
    global _installed
    interception.uninstall()
    deliveries.uninstall()
    state_machines.uninstall()
    roles.uninstall()
    _installed = False


def enabled() -> bool:
    return _installed


def refusal(service: str, target_arn: str, source_arn: str, account: str, region: str) -> str | None:
    """Why `service` (an AWS service principal acting for `source_arn`) may not deliver to `target_arn`;
    None when it may, or when authorization is off."""
    if not _installed:
        return None
    return deliveries.refusal_to_deliver(service, target_arn, source_arn, account, region)


def clients_for_role(role_arn: str, service: str, deployment: Any) -> Clients | None:
    """Clients acting as `role_arn`, as `service` uses a target's role; None when authorization is off."""
    issued = role_credentials_if_enabled(role_arn, service.split(".")[0])
    if issued is None:
        return None
    session = boto3.Session(
        aws_access_key_id=issued.access_key_id,
        aws_secret_access_key=issued.secret_access_key,
        aws_session_token=issued.session_token,
        region_name=deployment.region,
    )
    return Clients(session, deployment.clients.endpoint_url)


def role_credentials_if_enabled(role_arn: str, session_name: str) -> Credentials | None:
    """Credentials a service uses to act as `role_arn`; None when authorization is off (anything goes)."""
    return role_credentials(role_arn, session_name) if _installed else None
