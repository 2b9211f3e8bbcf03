"""statelint problems that are gaps of statelint, not of our definitions (each with the why)."""

from __future__ import annotations

import json
from typing import Any

from statelint.config import Config as LintConfig
from statelint.linter import Linter

# statelint 3.1.0's ReaderConfig knows only MaxItems(Path); InputType (CSV, JSON, JSONL, MANIFEST) is
# in the Amazon States Language spec of Distributed Map item readers.
STATELINT_GAPS = ('Field "InputType" not allowed in ',)


def statelint_problems(definition: dict[str, Any]) -> list[str]:
    return [
        problem
        for problem in Linter.validate(json.dumps(definition), LintConfig([], False, False))
        if not problem.startswith(STATELINT_GAPS)
    ]
