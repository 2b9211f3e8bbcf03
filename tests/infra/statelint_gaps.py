"""statelint problems that are gaps of statelint, not of our definitions (each with the why)."""

from __future__ import annotations

import json
import re
from typing import Any

from statelint.config import Config as LintConfig
from statelint.linter import Linter

# statelint 3.1.0's ReaderConfig knows only MaxItems(Path); InputType (CSV, JSON, JSONL, MANIFEST) is
# in the Amazon States Language spec of Distributed Map item readers.
STATELINT_GAPS = ('Field "InputType" not allowed in ',)
# statelint 3.1.0 predates workflow variables (step-functions-variables.html, 2024): a `"key.$": "$name"`
# reference to a variable is linted as the path `$.name` it reads like, and the `Assign` blocks (of
# states, Choice rules and Catch clauses) are taken out before linting and checked here instead: every
# `"name.$"` value must be a path, a variable or an intrinsic function.
VARIABLE = re.compile(r"^\$(?=[A-Za-z_])")
ASSIGNED_VALUE = re.compile(r"^(\$|States\.[A-Za-z]+\()")


def _assign_problems(value: Any, where: str) -> list[str]:
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _assign_problems(item, f"{where}[{index}]")]
    if not isinstance(value, dict):
        return []
    problems = [
        f'Assign "{name}" at {where} is not a path, variable or intrinsic function: {item!r}'
        for name, item in value.get("Assign", {}).items()
        if name.endswith(".$") and not (isinstance(item, str) and ASSIGNED_VALUE.match(item))
    ]
    return problems + [p for key, item in value.items() for p in _assign_problems(item, f"{where}.{key}")]


def _for_statelint(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: VARIABLE.sub("$.", item)
            if key.endswith(".$") and isinstance(item, str)
            else _for_statelint(item)
            for key, item in value.items()
            if key != "Assign"
        }
    if isinstance(value, list):
        return [_for_statelint(item) for item in value]
    return value


def statelint_problems(definition: dict[str, Any]) -> list[str]:
    linted = Linter.validate(json.dumps(_for_statelint(definition)), LintConfig([], False, False))
    assigned = _assign_problems(definition, "State Machine")
    return [p for p in linted if not p.startswith(STATELINT_GAPS)] + assigned
