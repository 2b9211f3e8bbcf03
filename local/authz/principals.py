"""The Principal/NotPrincipal element, and how a matched principal counts.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
naming a role grants to its sessions; naming an account (``ACCT`` or ``arn:aws:iam::ACCT:root``)
grants to the account, which then delegates to its identity policies.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local.authz.model import PolicyError, Principal

_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):root")
_KINDS = ("AWS", "Service", "Federated")


class Match(enum.Enum):
    DIRECT = "direct"  # the principal itself, its role, its service, or everyone ("*")
    ACCOUNT = "account"  # the principal's account: counts only together with an identity allow


@dataclass(frozen=True)
class PrincipalSpec:
    everyone: bool
    aws: frozenset[str] = frozenset()
    service: frozenset[str] = frozenset()
    federated: frozenset[str] = frozenset()

    def match(self, principal: Principal) -> Match | None:
        if self.everyone:
            return Match.DIRECT
        if principal.service is not None:
            return Match.DIRECT if principal.service.lower() in self.service else None
        if principal.arn in self.aws or (principal.session_arn and principal.session_arn in self.aws):
            return Match.DIRECT
        if principal.arn in self.federated:
            return Match.DIRECT
        if principal.account is not None and principal.account in self._accounts():
            return Match.DIRECT if root_account(principal.arn) == principal.account else Match.ACCOUNT
        return None

    def _accounts(self) -> set[str | None]:
        return {account_named(value) for value in self.aws}


def root_account(arn: str) -> str | None:
    match = _ROOT_ARN.fullmatch(arn)
    return match.group(1) if match else None


def account_named(value: str) -> str | None:
    """The account an AWS principal value names as a whole (``ACCT`` or its root ARN), else None."""
    return value if _ACCOUNT_ID.fullmatch(value) else root_account(value)


def _strings(value: Any, where: str) -> frozenset[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"malformed principal value {value!r} in {where}")
    return frozenset(values)


def parse_principal(element: Any, where: str) -> PrincipalSpec:
    if element == "*":
        return PrincipalSpec(everyone=True)
    if not isinstance(element, Mapping) or not element:
        raise PolicyError(f"malformed Principal {element!r} in {where}")
    unknown = [kind for kind in element if kind not in _KINDS]
    if unknown:
        raise PolicyError(f"unsupported principal type {unknown[0]!r} in {where}")
    aws = _strings(element["AWS"], where) if "AWS" in element else frozenset()
    if "*" in aws:
        return PrincipalSpec(everyone=True)
    services = _strings(element["Service"], where) if "Service" in element else frozenset()
    service = frozenset(s.lower() for s in services)
    federated = _strings(element["Federated"], where) if "Federated" in element else frozenset()
    return PrincipalSpec(everyone=False, aws=aws, service=service, federated=federated)


def describe(principal: Principal) -> str:
    """How a reason names the caller: ``role TrainFunctionRole``, ``service s3.amazonaws.com``, ..."""
    if principal.service is not None:
        return f"service {principal.service}"
    if root_account(principal.arn):
        return f"account {principal.account} root user"
    resource = principal.arn.split(":", 5)[-1]
    kind, _, path = resource.partition("/")
    name = path.rsplit("/", 1)[-1] if path else resource
    return f"{kind} {name}" if path else principal.arn
