"""What every resource provisioner gets (clients, names, deferred steps) and gives back (Ref, attributes)."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from local.intrinsics import Pseudo, TemplateError

_SUFFIX_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Created:
    """What CloudFormation reports for a resource: its physical id (``Ref``) and ``Fn::GetAtt`` values."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Clients:
    """boto3 clients pointed at the endpoint (``endpoint_url=None`` under ``mock_aws``), made once each."""

    session: boto3.Session
    endpoint_url: str | None
    _made: dict[str, Any] = field(default_factory=dict)

    def __call__(self, service: str) -> Any:
        if service not in self._made:
            self._made[service] = self.session.client(service, endpoint_url=self.endpoint_url)
        return self._made[service]


@dataclass
class Context:
    """One resource being created: its logical id, the stack's facts and the steps to run after all others."""

    clients: Clients
    pseudo: Pseudo
    logical_id: str
    resource_type: str
    deferred: list[Callable[[], None]]

    def physical_name(self, max_length: int, *, lower: bool = False, separator: str = "-") -> str:
        """A CloudFormation-style generated name: ``<stack>-<logical id>-<12 chars>``, stable per stack."""
        digest = hashlib.sha256(f"{self.pseudo.stack_id}/{self.logical_id}".encode()).digest()
        suffix = "".join(_SUFFIX_ALPHABET[byte % len(_SUFFIX_ALPHABET)] for byte in digest[:12])
        prefix = f"{self.pseudo.stack_name}{separator}{self.logical_id}"[: max_length - len(suffix) - 1]
        name = f"{prefix}{separator}{suffix}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = self.pseudo.region if region else ""
        account = self.pseudo.account_id if region or service == "iam" else ""
        return f"arn:{self.pseudo.partition}:{service}:{where}:{account}:{resource}"

    def check_properties(self, properties: dict[str, Any], known: set[str]) -> None:
        unknown = sorted(set(properties) - known)
        if unknown:
            raise TemplateError(
                f"{self.logical_id} ({self.resource_type}): the local deployer does not handle "
                f"propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                f"handled: {', '.join(sorted(known))}"
            )


Provisioner = Callable[[Context, dict[str, Any]], Created]


def tag_list(tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [{"Key": tag["Key"], "Value": tag["Value"]} for tag in tags or []]
