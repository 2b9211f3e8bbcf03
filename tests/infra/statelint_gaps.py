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
# reference to a variable is linted as the path `$.name` it reads like.
VARIABLE = re.compile(r"^\$(?=[A-Za-z_])")


def _variables_as_paths(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: VARIABLE.sub("$.", item)
            if key.endswith(".$") and isinstance(item, str)
            else _variables_as_paths(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_variables_as_paths(item) for item in value]
    return value


def statelint_problems(definition: dict[str, Any]) -> list[str]:
    return [
        problem
        for problem in Linter.validate(
            json.dumps(_variables_as_paths(definition)), LintConfig([], False, False)
        )
        if not problem.startswith(STATELINT_GAPS)
    ]
