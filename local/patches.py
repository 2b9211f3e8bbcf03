"""How the offline AWS changes moto's and boto3's internals: each change is a `Patch`, declared as data by
the module that needs it (its `PATCHES`), applied and removed here, and listed in `local.patch_registry`
with the library version it was written against."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MOTO = "moto"
BOTO3 = "boto3"
WRITTEN_AGAINST = {MOTO: "5.2.5", BOTO3: "1.43.11"}
_ABSENT = object()


@dataclass(frozen=True)
class Patch:
    """`owner.name` (a class or module attribute, or a dict key) replaced by `replacement`."""

    owner: Any
    name: str
    replacement: Any
    replaces: str  # what the original does that the offline AWS cannot keep
    library: str = MOTO
    owner_name: str = ""  # for a dict owner, which dict it is

    @property
    def target(self) -> str:
        if isinstance(self.owner, dict):
            return f"{self.owner_name}[{self.name!r}]"
        owner = getattr(self.owner, "__qualname__", None) or self.owner.__name__
        module = getattr(self.owner, "__module__", None)
        return f"{module}.{owner}.{self.name}" if module else f"{owner}.{self.name}"

    def _key(self) -> tuple[int, str]:
        return id(self.owner), self.name

    def _current(self) -> Any:
        table = self.owner if isinstance(self.owner, dict) else vars(self.owner)
        return table.get(self.name, _ABSENT)

    def _set(self, value: Any) -> None:
        if value is _ABSENT and isinstance(self.owner, dict):
            self.owner.pop(self.name, None)
        elif value is _ABSENT:
            delattr(self.owner, self.name)
        elif isinstance(self.owner, dict):
            self.owner[self.name] = value
        else:
            setattr(self.owner, self.name, value)


class WrongLibraryVersion(Exception):
    """An installed library is not the version the patches were written against."""


_originals: dict[tuple[int, str], Any] = {}
_lock = threading.Lock()


def apply(patches: Iterable[Patch]) -> None:
    """Apply each patch not applied yet (applying twice changes nothing)."""
    with _lock:
        for patch in patches:
            if patch._key() not in _originals:
                _originals[patch._key()] = patch._current()
                patch._set(patch.replacement)


def remove(patches: Iterable[Patch]) -> None:
    """Put back what each applied patch replaced (an attribute the patch added is deleted again)."""
    with _lock:
        for patch in patches:
            if patch._key() in _originals:
                patch._set(_originals.pop(patch._key()))


def is_applied(patch: Patch) -> bool:
    with _lock:
        return patch._key() in _originals
