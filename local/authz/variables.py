"""Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``) in Resource and Condition.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html: variables work
only in policies of Version 2012-10-17; a variable whose key is absent from the request makes the
element that uses it not match, unless the variable carries a default value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from local.authz.condition_keys import condition_key_exists
from local.authz.model import ContextValue, PolicyError

VARIABLES_VERSION = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_WITH_DEFAULT = re.compile(r"\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?")


def _parse(body: str) -> tuple[str, str | None]:
    match = _WITH_DEFAULT.fullmatch(body)
    if match is None:
        raise PolicyError(f"unsupported policy variable ${{{body}}}")
    return match.group(1), match.group(2)


def check_variables(text: str, where: str) -> bool:
    """True if ``text`` uses variables; PolicyError naming any variable the engine cannot resolve."""
    found = False
    for match in _VARIABLE.finditer(text):
        key, _ = _parse(match.group(1))
        if not condition_key_exists(key):
            raise PolicyError(f"unsupported policy variable ${{{match.group(1)}}} in {where}")
        found = True
    return found


def substitute(text: str, context: Mapping[str, ContextValue]) -> str | None:
    """``text`` with its variables replaced; None when one has no single value in the request."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        key, default = _parse(match.group(1))
        value = context.get(key.lower())
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int):
            return str(value)
        if default is not None:
            return default
        missing = True
        return ""

    result = _VARIABLE.sub(replace, text)
    return None if missing else result
