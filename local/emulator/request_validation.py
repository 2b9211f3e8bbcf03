"""A request checked against the constraints of its operation's input shape in botocore's service model
(required members, `min`/`max` as a range or a length, `pattern`, `enum`), answered as AWS's request
validation answers: a ValidationException listing every breach, e.g. "1 validation error detected: Value
'101' at 'minConfidence' failed to satisfy constraint: Member must have value less than or equal to 100".
Members are named as AWS names them: camelCase, list members as `<list>.<n>.member` (1-based). A member of
the wrong JSON type is a SerializationException, as the awsJson protocol answers it.

The model's patterns are Java regular expressions (`\\p{L}`), matched whole; the `regex` package reads them.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import regex
from botocore.model import Shape

from local.emulator.errors import SerializationException, ValidationException
from local.emulator.service_model import MODEL

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "blob": (bytes, str),  # bytes once the JSON layer decoded the base64 text
    "timestamp": (int, float, str),
}
_LENGTH_TYPES = frozenset({"string", "blob", "list", "map"})


def check_request(operation: str, request: dict[str, Any]) -> None:
    problems: list[str] = []
    _check_structure(MODEL.operation_model(operation).input_shape, request, "", problems)
    if problems:
        count = len(problems)
        plural = "s" if count > 1 else ""
        raise ValidationException(f"{count} validation error{plural} detected: " + "; ".join(problems))


def _check_structure(shape: Shape, value: dict[str, Any], path: str, problems: list[str]) -> None:
    required = shape.required_members
    for name, member in shape.members.items():
        member_path = f"{path}.{_camel(name)}" if path else _camel(name)
        if value.get(name) is None:
            if name in required:
                problems.append(
                    f"Value null at '{member_path}' failed to satisfy constraint: Member must not be null"
                )
            continue
        _check(member, value[name], member_path, problems)


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    _require_type(shape, value, path)
    problems.extend(
        f"Value {_shown(value)} at '{path}' failed to satisfy constraint: {broken}"
        for broken in _constraints_broken(shape, value)
    )
    if shape.type_name == "structure":
        _check_structure(shape, value, path, problems)
    elif shape.type_name == "list":
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", problems)
    elif shape.type_name == "map":
        _check_map(shape, value, path, problems)


def _check_map(shape: Shape, value: dict, path: str, problems: list[str]) -> None:
    for part, entries in (("keys", value.keys()), ("values", value.values())):
        inner = shape.key if part == "keys" else shape.value
        for entry in entries:
            _require_type(inner, entry, path)
        broken = sorted({text for entry in entries for text in _constraints_broken(inner, entry)})
        if broken:
            problems.append(
                f"Value {_shown(value)} at '{path}' failed to satisfy constraint: "
                f"Map {part} must satisfy constraint: [{', '.join(broken)}]"
            )


def _constraints_broken(shape: Shape, value: Any) -> list[str]:
    metadata, broken = shape.metadata, []
    measured, what = (len(value), "length") if shape.type_name in _LENGTH_TYPES else (value, "value")
    if "min" in metadata and measured < metadata["min"]:
        broken.append(f"Member must have {what} greater than or equal to {_number(metadata['min'])}")
    if "max" in metadata and measured > metadata["max"]:
        broken.append(f"Member must have {what} less than or equal to {_number(metadata['max'])}")
    pattern = metadata.get("pattern")
    if pattern and isinstance(value, str) and not _compiled(pattern).fullmatch(value):
        broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    enum = getattr(shape, "enum", None)  # string shapes only
    if enum and value not in enum:
        broken.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
    return broken


def _require_type(shape: Shape, value: Any, path: str) -> None:
    expected = _JSON_TYPES.get(shape.type_name, (object,))
    is_bool = isinstance(value, bool)
    if not isinstance(value, expected) or (is_bool and shape.type_name != "boolean"):
        raise SerializationException(
            f"'{path}' must be of type {shape.type_name} ({shape.name}), not the JSON {type(value).__name__} "
            f"{_shown(value)}."
        )


@cache
def _compiled(pattern: str) -> regex.Pattern:
    return regex.compile(pattern)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _number(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _shown(value: Any) -> str:
    if isinstance(value, bytes):
        return f"'<{len(value)} bytes>'"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return f"'{text}'"
