"""The champion model of the project, looked up in the registry and cached per warm container."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from customlabels.inference.errors import TransientProblem


@dataclass(frozen=True)
class Champion:
    version_arn: str
    version_name: str


class ChampionCache:
    """Re-reads the registry at most once per ``ttl_seconds``; a promotion shows within that time."""

    def __init__(
        self,
        lookup: Callable[[], dict[str, Any] | None],
        *,
        ttl_seconds: float,
        project: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._ttl = ttl_seconds
        self._project = project
        self._clock = clock
        self._lock = threading.Lock()
        self._value: Champion | None = None
        self._read_at: float | None = None

    def get(self) -> Champion:
        with self._lock:
            if self._value is None or self._read_at is None or self._clock() - self._read_at >= self._ttl:
                self._value = self._read()
                self._read_at = self._clock()
            return self._value

    def invalidate(self) -> None:
        with self._lock:
            self._read_at = None

    def _read(self) -> Champion:
        item = self._lookup()
        if not item:
            raise TransientProblem(
                f"no champion model is registered for project {self._project}: train and promote a model; "
                "the waiting uploads are retried and then kept in the dead-letter queue for redrive"
            )
        return Champion(version_arn=item["versionArn"], version_name=item["versionName"])
