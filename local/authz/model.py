"""What the engine is asked and what it answers: the contract with the local endpoint's integrator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

ContextValue = str | bool | int | Sequence[str]


class PolicyError(Exception):
    """A policy the engine cannot evaluate faithfully; the message names the offending element."""


@dataclass(frozen=True)
class Principal:
    arn: str
    account: str | None
    service: str | None = None
    session_arn: str | None = None


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class NamedPolicy:
    name: str
    document: Mapping | str


@dataclass(frozen=True)
class PolicySet:
    identity: Sequence[NamedPolicy] = ()
    resource: NamedPolicy | None = None
    resource_account: str | None = None
    key_policy: NamedPolicy | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    statement: str | None = None
