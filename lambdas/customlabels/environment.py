"""A function's settings: one frozen dataclass per Lambda function, the contract between infra/ and handler.

infra/ builds the instance from the stack's config and resources and sets `to_environment()`; the handler
reads the same class back with `from_environment(os.environ)` at cold start. Each field's environment
variable is its name in capitals (`registry_table_name` -> REGISTRY_TABLE_NAME), derived in one place
(`variable`), so neither side spells a variable name. A missing required variable is a wiring bug,
reported by name at cold start.

Field types: str, int, float, a StrEnum, a class with `from_json`/`to_json`, or any of those
`| None` (empty when None). A field with a default may be left unset.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Mapping
from enum import Enum
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

from customlabels.naming import METRIC_NAMESPACE, SERVICE_NAME


class SettingError(RuntimeError):
    """A required environment variable is not set, or holds a value the function cannot use."""


def variable(field_name: str) -> str:
    """The environment variable of a settings field."""
    return field_name.upper()


def _optional_of(kind: Any) -> Any | None:
    """`X` for `X | None`, else None."""
    if get_origin(kind) in (Union, types.UnionType):
        others = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(others) == 1:
            return others[0]
    return None


def _render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if hasattr(value, "to_json"):
        return value.to_json()
    return str(value)


_KINDS = {int: "a whole number", float: "a number"}


def _parse(name: str, text: str, kind: Any) -> Any:
    try:
        if isinstance(kind, type) and issubclass(kind, Enum):
            allowed = ", ".join(str(member.value) for member in kind)
            if text not in {str(member.value) for member in kind}:
                raise ValueError(f"use one of {allowed}")
            return kind(text)
        if hasattr(kind, "from_json"):
            return kind.from_json(text)
        return kind(text)
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        reason = f"expected {_KINDS[kind]}" if kind in _KINDS else str(error)
        raise SettingError(f"{name}={text!r} is not allowed: {reason}") from error


class FunctionSettings:
    """Base of every function's settings class (subclasses are `@dataclass(frozen=True)`)."""

    @classmethod
    def variables(cls) -> tuple[str, ...]:
        return tuple(variable(field.name) for field in dataclasses.fields(cls))  # type: ignore[arg-type]

    def to_environment(self) -> dict[str, str]:
        return {
            variable(field.name): _render(getattr(self, field.name))
            for field in dataclasses.fields(self)  # type: ignore[arg-type]
        }

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Self:
        hints = get_type_hints(cls)
        values = {}
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            name, kind = variable(field.name), hints[field.name]
            text = env.get(name, "")
            inner = _optional_of(kind)
            if text:
                values[field.name] = _parse(name, text, inner or kind)
            elif field.default is not dataclasses.MISSING:
                values[field.name] = field.default
            elif inner is not None:
                values[field.name] = None
            else:
                raise SettingError(
                    f"environment variable {name} is not set; the stack sets it for the function"
                )
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class PowertoolsSettings(FunctionSettings):
    """What every function gets besides its own settings: Powertools' service, metric namespace and log level
    (variables named by Powertools: docs.powertools.aws.dev/lambda/python/latest/#environment-variables)."""

    powertools_service_name: str = SERVICE_NAME
    powertools_metrics_namespace: str = METRIC_NAMESPACE
    log_level: str = "INFO"
