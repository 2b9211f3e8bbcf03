"""What an EventBridge rule target receives: the event, ``Input``, ``InputPath`` or ``InputTransformer``.

As https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html describes:
``InputPathsMap`` names JSON paths into the event; ``<name>`` in ``InputTemplate`` is replaced by the
value, as JSON outside a quoted string and as the bare (escaped) text inside one; the reserved
variables ``<aws.events.rule-arn>``, ``<aws.events.rule-name>``, ``<aws.events.event.ingestion-time>``
and ``<aws.events.event.json>`` are always there. The template is delivered as it renders (a quoted
template stays quoted, as AWS sends it). A path that matches nothing gives ``null`` outside a string
and nothing inside one (docs/decisions.md).
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonpath_ng.ext import parse

_VARIABLE = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


class InputError(ValueError):
    """A target's input settings EventBridge would refuse (PutTargets answers ValidationException)."""


def target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> str:
    """The text the target receives for `event`."""
    if "Input" in target:
        return target["Input"]
    if "InputPath" in target:
        value = _lookup(target["InputPath"], event)
        return json.dumps(None if value is _MISSING else value)
    transformer = target.get("InputTransformer")
    if transformer is None:
        return json.dumps(event)
    values = {name: _lookup(path, event) for name, path in transformer.get("InputPathsMap", {}).items()}
    values |= {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
        "aws.events.event.ingestion-time": event.get("time"),
        "aws.events.event.json": event,
    }
    return render(transformer["InputTemplate"], values)


def _lookup(path: str, event: dict[str, Any]) -> Any:
    try:
        matches = parse(path).find(event)
    except Exception as error:  # jsonpath_ng raises its own lexer/parser errors
        raise InputError(f"InputPath {path!r} is not a valid JSON path: {error}") from None
    return matches[0].value if matches else _MISSING


def render(template: str, values: dict[str, Any]) -> str:
    """`template` with each known ``<name>`` replaced, according to whether it sits inside a string."""
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(template):
        char = template[index]
        match = _VARIABLE.match(template, index) if char == "<" else None
        if match and match.group(1) in values:
            out.append(_value_text(values[match.group(1)], in_string))
            index = match.end()
            continue
        if char == "\\" and in_string:
            out.append(template[index : index + 2])
            index += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        index += 1
    return "".join(out)


def _value_text(value: Any, in_string: bool) -> str:
    if value is _MISSING:
        return "" if in_string else "null"
    if in_string:
        return json.dumps(value)[1:-1] if isinstance(value, str) else json.dumps(value)
    return json.dumps(value)
