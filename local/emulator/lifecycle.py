"""Status changes of the service's resources: each resource class declares a table of the statuses
each status may move to, and every change goes through `transition()`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Protocol


class IllegalTransition(RuntimeError):
    """A status change the resource's table does not allow: a bug in the service, never a user error
    (operations check their preconditions with `allows()` and answer the API's exception first)."""


class HasStatus(Protocol):
    TRANSITIONS: ClassVar[Mapping[str, frozenset[str]]]
    status: str


def allows(resource: HasStatus, status: str) -> bool:
    return status in resource.TRANSITIONS.get(resource.status, frozenset())


def transition(resource: HasStatus, status: str) -> None:
    if not allows(resource, status):
        raise IllegalTransition(f"{type(resource).__name__} cannot go from {resource.status} to {status}")
    resource.status = status
