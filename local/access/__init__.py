"""Authorization on the local endpoint: every call is checked the way AWS checks it.

``install()`` puts the checks in place (requests, service deliveries, the credentials Lambda functions,
state machines and event-source pollers run with); ``enabled()`` says whether they are in place.
The decisions themselves are made by the policy engine in ``local.authz``.
"""

from __future__ import annotations

from local.access import deliveries, interception, roles, state_machines
from local.access.decisions import clear_denials, recent_denials
from local.access.principals import Credentials, role_credentials

__all__ = [
    "Credentials",
    "clear_denials",
    "enabled",
    "install",
    "recent_denials",
    "role_credentials_if_enabled",
]
_installed = False


def install() -> None:
    global _installed
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


def role_credentials_if_enabled(role_arn: str, session_name: str) -> Credentials | None:
    """Credentials a service uses to act as `role_arn`; None when authorization is off (anything goes)."""
    return role_credentials(role_arn, session_name) if _installed else None
