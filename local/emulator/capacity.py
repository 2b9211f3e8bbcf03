"""Throughput of running models and injected faults."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable

from local.emulator.errors import (
    InternalServerError,
    ProvisionedThroughputExceededException,
    ThrottlingException,
)
from local.emulator.settings import Faults

Later = Callable[[Callable[[], None]], None]  # runs a job once the service's scaling delay has passed


class InferenceCapacity:
    """Requests in the last second may not exceed rate x in-service units. With a maximum above the
    minimum, a saturated model asks for one more unit (`desired`), which comes into service after the
    scaling delay: the guide's auto scaling takes minutes, not an instant. The refused request stays
    refused."""

    def __init__(self, per_unit: float, min_units: int, max_units: int | None, later: Later) -> None:
        self.per_unit = per_unit
        self.in_service = self.desired = min_units
        self.max_units = max_units or min_units
        self._later = later
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> None:
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.per_unit * self.in_service:
                if self.desired == self.in_service < self.max_units:
                    self.desired += 1
                    self._later(self._unit_in_service)
                raise ProvisionedThroughputExceededException(
                    "The request rate exceeds the throughput of the model's inference units. "
                    "Retry with back-off or start the model with more inference units."
                )
            self._recent.append(now)

    def _unit_in_service(self) -> None:
        with self._lock:
            self.in_service = self.desired


class FaultInjector:
    def __init__(self, faults: Faults, seed: int | None = None) -> None:
        self.faults = faults
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def maybe_fail(self, operation: str) -> None:
        with self._lock:
            draw = self._random.random()
        if draw < self.faults.throttle:
            raise ThrottlingException(f"Rate exceeded for {operation} (injected throttling fault).")
        if draw < self.faults.throttle + self.faults.internal:
            raise InternalServerError(
                f"Amazon Rekognition experienced a service issue in {operation} (injected)."
            )
