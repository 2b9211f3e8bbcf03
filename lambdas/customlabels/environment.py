"""Reading a function's settings from its environment: the one style every function uses.

The stack sets each variable; a missing required one is a wiring bug, reported by name at cold start.
"""

from __future__ import annotations

from collections.abc import Mapping


class SettingError(RuntimeError):
    """A required environment variable is not set, or holds a value the function cannot use."""


def required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise SettingError(f"environment variable {name} is not set; the stack sets it for the function")
    return value


def optional(env: Mapping[str, str], name: str, default: str) -> str:
    return env.get(name) or default
