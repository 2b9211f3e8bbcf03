"""The Condition element: every operator AWS documents, ``...IfExists`` and the set qualifiers.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html

Several keys in a block, and several operators, are AND. Several values for one key are OR; for a
negated operator (``StringNotEquals``, ``NotIpAddress``, ...) the request value must match none of
them. A key absent from the request makes a positive operator false and a negated one true; with
``IfExists`` any absent key is true. ``ForAllValues`` is true for an absent or empty key and
``ForAnyValue`` false.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.authz.condition_keys import condition_key_exists
from local.authz.model import ContextValue, PolicyError
from local.authz.variables import check_variables, substitute
from local.authz.wildcards import arn_like, glob_match

Prepared = Any


@dataclass(frozen=True)
class _Base:
    negated: bool
    prepare: Callable[[str], Prepared]  # policy value -> comparable; raises ValueError when malformed
    match: Callable[[Any, Prepared], bool]  # request value, prepared policy value
    takes_variables: bool = False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


def _date(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) or (isinstance(value, str) and value.lstrip("-").isdigit()):
        return datetime.fromtimestamp(float(value), UTC)
    else:
        parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _bool(value: Any) -> str:
    text = _text(value).lower()
    if text not in ("true", "false"):
        raise ValueError(value)
    return text


def _binary(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return base64.b64decode(str(value), validate=True)


def _safely(convert: Callable[[Any], Any], compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """A request value that does not convert (``abc`` for a Numeric operator) matches nothing."""

    def match(request_value: Any, prepared: Any) -> bool:
        try:
            return compare(convert(request_value), prepared)
        except (ValueError, TypeError, binascii.Error):
            return False

    return match


def _in_network(address: Any, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return ipaddress.ip_address(str(address)) in network


def _string(compare: Callable[[str, str], bool], negated: bool) -> _Base:
    return _Base(negated, _text, lambda value, pattern: compare(_text(value), pattern), takes_variables=True)


def _ordered(convert: Callable[[Any], Any], compare: Callable[[Any, Any], bool], negated: bool) -> _Base:
    return _Base(negated, convert, _safely(convert, compare))


def _equals(a: str, b: str) -> bool:
    return a == b


def _equals_ignore_case(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _like(value: str, pattern: str) -> bool:
    return glob_match(pattern, value)


def _arn(value: str, pattern: str) -> bool:
    return arn_like(pattern, value)


_BASES: dict[str, _Base] = {
    "StringEquals": _string(_equals, False),
    "StringNotEquals": _string(_equals, True),
    "StringEqualsIgnoreCase": _string(_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": _string(_equals_ignore_case, True),
    "StringLike": _string(_like, False),
    "StringNotLike": _string(_like, True),
    "NumericEquals": _ordered(_number, operator.eq, False),
    "NumericNotEquals": _ordered(_number, operator.eq, True),
    "NumericLessThan": _ordered(_number, operator.lt, False),
    "NumericLessThanEquals": _ordered(_number, operator.le, False),
    "NumericGreaterThan": _ordered(_number, operator.gt, False),
    "NumericGreaterThanEquals": _ordered(_number, operator.ge, False),
    "DateEquals": _ordered(_date, operator.eq, False),
    "DateNotEquals": _ordered(_date, operator.eq, True),
    "DateLessThan": _ordered(_date, operator.lt, False),
    "DateLessThanEquals": _ordered(_date, operator.le, False),
    "DateGreaterThan": _ordered(_date, operator.gt, False),
    "DateGreaterThanEquals": _ordered(_date, operator.ge, False),
    "Bool": _ordered(_bool, operator.eq, False),
    "BinaryEquals": _ordered(_binary, operator.eq, False),
    "IpAddress": _Base(False, lambda v: ipaddress.ip_network(v, strict=False), _safely(str, _in_network)),
    "NotIpAddress": _Base(True, lambda v: ipaddress.ip_network(v, strict=False), _safely(str, _in_network)),
    "ArnEquals": _string(_arn, False),
    "ArnLike": _string(_arn, False),
    "ArnNotEquals": _string(_arn, True),
    "ArnNotLike": _string(_arn, True),
}
_BASES_BY_LOWER = {name.lower(): base for name, base in _BASES.items()}
_QUALIFIERS = {"foranyvalue": "ForAnyValue", "forallvalues": "ForAllValues"}
NULL = "Null"


@dataclass(frozen=True)
class ConditionTest:
    """One operator applied to one key, with that key's values from the policy."""

    operator: str
    key: str
    base: _Base | None  # None for Null
    qualifier: str | None
    if_exists: bool
    values: tuple[Prepared, ...]
    with_variables: bool

    def holds(self, context: Mapping[str, ContextValue]) -> bool:
        present = self.key.lower() in context
        request_value = context.get(self.key.lower())
        if self.base is None:
            absent = not present or request_value in ((), [], None)
            return any(absent == expected for expected in self.values)
        request_values = _as_list(request_value) if present else []
        if not request_values:
            if self.if_exists:
                return True
            if self.qualifier == "ForAllValues":
                return True
            if self.qualifier == "ForAnyValue":
                return False
            return self.base.negated
        policy_values = self.values
        if self.with_variables:
            substituted = [substitute(v, context) for v in self.values]
            if None in substituted:
                return False
            policy_values = tuple(substituted)
        base = self.base
        outcomes = [
            any(base.match(value, policy_value) for policy_value in policy_values) != base.negated
            for value in request_values
        ]
        if self.qualifier == "ForAllValues":
            return all(outcomes)
        if self.qualifier == "ForAnyValue":
            return any(outcomes)
        return all(outcomes) if base.negated else any(outcomes)


def _as_list(value: ContextValue | None) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _split_operator(written: str, where: str) -> tuple[str | None, str, bool]:
    qualifier_text, sep, rest = written.partition(":")
    qualifier = None
    if sep:
        qualifier = _QUALIFIERS.get(qualifier_text.lower())
        if qualifier is None:
            raise PolicyError(f"unknown condition operator {written!r} in {where}")
    else:
        rest = written
    if_exists = rest.lower().endswith("ifexists") and rest.lower() != "ifexists"
    base_name = rest[: -len("IfExists")] if if_exists else rest
    return qualifier, base_name, if_exists


def _prepare(where: str, written: str, key: str, raw: Any, prepare: Callable[[str], Any]) -> Any:
    if isinstance(raw, dict | list):
        raise PolicyError(f"{where} condition {written} on {key}: value {raw!r} is not a scalar")
    try:
        return prepare(raw)
    except (ValueError, TypeError, binascii.Error) as error:
        message = f"{where} condition {written} on {key}: {raw!r} is not a valid value"
        raise PolicyError(message) from error


def parse_condition_block(block: Any, where: str, variables: bool) -> tuple[ConditionTest, ...]:
    """The tests of a Condition element; ``variables``: the policy's version has policy variables."""
    if not isinstance(block, Mapping):
        raise PolicyError(f"malformed Condition in {where}: expected an object of operators")
    tests = []
    for written, keys in block.items():
        qualifier, base_name, if_exists = _split_operator(written, where)
        if base_name.lower() == NULL.lower():
            if qualifier or if_exists:
                raise PolicyError(
                    f"unknown condition operator {written!r} in {where} (Null takes no qualifier)"
                )
            base = None
        elif base_name.lower() in _BASES_BY_LOWER:
            base = _BASES_BY_LOWER[base_name.lower()]
        else:
            raise PolicyError(f"unknown condition operator {written!r} in {where}")
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(f"malformed Condition {written!r} in {where}: expected an object of keys")
        for key, raw_values in keys.items():
            if not condition_key_exists(key):
                raise PolicyError(f"unknown condition key {key!r} (operator {written}) in {where}")
            values = raw_values if isinstance(raw_values, list) else [raw_values]
            prepare = _bool if base is None else base.prepare
            prepared = tuple(_prepare(where, written, key, v, prepare) for v in values)
            if base is None:
                prepared = tuple(v == "true" for v in prepared)
            with_variables = (
                variables
                and bool(base and base.takes_variables)
                and any(check_variables(v, f"{where} condition {written} {key}") for v in prepared)
            )
            tests.append(ConditionTest(written, key, base, qualifier, if_exists, prepared, with_variables))
    return tuple(tests)
