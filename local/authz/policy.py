"""Policy documents parsed once into statements that match requests quickly.

Parsed documents are cached by their JSON text: the local endpoint evaluates the same few policies on
every request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from local.authz.conditions import ConditionTest, parse_condition_block
from local.authz.model import ContextValue, PolicyError, Principal
from local.authz.principals import Match, PrincipalSpec, parse_principal
from local.authz.variables import VARIABLES_VERSION, check_variables, substitute
from local.authz.wildcards import glob_match, glob_regex

_KNOWN_ELEMENTS = frozenset(
    {"Sid", "Effect", "Condition"}
    | {prefix + name for prefix in ("", "Not") for name in ("Action", "Resource", "Principal")}
)


@dataclass(frozen=True)
class Statement:
    label: str  # the Sid, or "#<index>" when there is none
    allow: bool
    actions: tuple[re.Pattern[str], ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: no Resource element (the resource the policy is attached to)
    not_resource: bool
    resource_variables: bool
    principals: PrincipalSpec | None
    not_principal: bool
    conditions: tuple[ConditionTest, ...]

    def covers(self, action: str, resource: str, context: Mapping[str, ContextValue]) -> bool:
        """Action, resource and conditions match (the principal is checked separately)."""
        action_hit = any(pattern.fullmatch(action) for pattern in self.actions)
        if action_hit == self.not_action:
            return False
        if self.resources is not None:
            patterns = self.resources
            if self.resource_variables:
                patterns = tuple(p for p in (substitute(r, context) for r in self.resources) if p is not None)
            resource_hit = any(glob_match(pattern, resource) for pattern in patterns)
            if resource_hit == self.not_resource:
                return False
        return all(test.holds(context) for test in self.conditions)

    def principal_match(self, principal: Principal) -> Match | None:
        if self.principals is None:
            return Match.DIRECT
        match = self.principals.match(principal)
        if self.not_principal:
            return None if match else Match.DIRECT
        return match


@dataclass(frozen=True)
class Document:
    statements: tuple[Statement, ...]


def _strings(statement: Mapping[str, Any], element: str, where: str) -> tuple[str, ...]:
    value = statement[element]
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise PolicyError(f"malformed {element} {value!r} in {where}")
    return tuple(values)


def _one_of(statement: Mapping[str, Any], element: str, where: str, required: bool) -> str | None:
    both = [name for name in (element, "Not" + element) if name in statement]
    if len(both) > 1:
        raise PolicyError(f"{where} has both {element} and Not{element}")
    if not both and required:
        raise PolicyError(f"{where} has no {element} or Not{element}")
    return both[0] if both else None


def _statement(raw: Any, index: int, policy_name: str, resource_based: bool, variables: bool) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"malformed statement #{index} in {policy_name}")
    label = str(raw.get("Sid") or f"#{index}")
    where = f"{policy_name} statement {label}"
    unknown = sorted(set(raw) - _KNOWN_ELEMENTS)
    if unknown:
        raise PolicyError(f"unknown policy element {unknown[0]!r} in {where}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(f"malformed Effect {raw.get('Effect')!r} in {where}")
    action_element = _one_of(raw, "Action", where, required=True)
    actions = _strings(raw, action_element, where)
    for action in actions:
        if action != "*" and ":" not in action:
            raise PolicyError(f"malformed action {action!r} in {where}")
    resource_element = _one_of(raw, "Resource", where, required=not resource_based)
    resources = _strings(raw, resource_element, where) if resource_element else None
    resource_variables = variables and any(check_variables(r, where) for r in resources or ())
    principal_element = _one_of(raw, "Principal", where, required=resource_based)
    if principal_element and not resource_based:
        raise PolicyError(f"{where}: an identity policy cannot have a {principal_element} element")
    return Statement(
        label=label,
        allow=raw["Effect"] == "Allow",
        actions=tuple(glob_regex(a, ignore_case=True) for a in actions),
        not_action=action_element == "NotAction",
        resources=resources,
        not_resource=resource_element == "NotResource",
        resource_variables=resource_variables,
        principals=parse_principal(raw[principal_element], where) if principal_element else None,
        not_principal=principal_element == "NotPrincipal",
        conditions=parse_condition_block(raw["Condition"], where, variables) if "Condition" in raw else (),
    )


@lru_cache(maxsize=1024)
def _parse_text(text: str, policy_name: str, resource_based: bool) -> Document:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError(f"{policy_name} is not valid JSON: {error}") from error
    if not isinstance(document, Mapping) or "Statement" not in document:
        raise PolicyError(f"malformed policy {policy_name}: no Statement element")
    variables = document.get("Version") == VARIABLES_VERSION
    raw_statements = document["Statement"]
    raw_statements = raw_statements if isinstance(raw_statements, list) else [raw_statements]
    return Document(
        tuple(
            _statement(raw, index, policy_name, resource_based, variables)
            for index, raw in enumerate(raw_statements)
        )
    )


def parse_policy(document: Mapping | str, policy_name: str, resource_based: bool) -> Document:
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    return _parse_text(text, policy_name, resource_based)
