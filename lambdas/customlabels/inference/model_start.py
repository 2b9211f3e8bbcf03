"""``onModelStopped=start``: start the champion when DetectCustomLabels says it is not running.

Each warm container asks at most once per ``interval_seconds`` per model; other containers asking
at the same time get ``ResourceInUseException`` (already starting or stopping), which is fine.
A model the idle guard stopped at the daily inference-unit-hours cap is not started before its
``capHoldUntil`` (the next UTC day, recorded on its registry item), and one stopped with
`customlabels stop --hold` (``heldStopped``) not before a start: the uploads wait in the queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from customlabels.inference.errors import error_code
from customlabels.naming import project_name_of, version_name_of
from customlabels.training.registry import Registry

ALREADY_CHANGING = {"ResourceInUseException"}
# Model-version ARN -> the end of its cap hold, or None when it is not held.
HoldLookup = Callable[[str], datetime | None]


def registry_cap_hold(registry: Registry) -> HoldLookup:
    def hold_until(version_arn: str) -> datetime | None:
        item = registry.get_version(project_name_of(version_arn), version_name_of(version_arn)) or {}
        if item.get("heldStopped"):
            return datetime.max.replace(tzinfo=UTC)
        until = item.get("capHoldUntil")
        return datetime.fromisoformat(until) if until else None

    return hold_until


class ModelStarter:
    def __init__(
        self,
        rekognition: Any,
        *,
        min_inference_units: int,
        max_inference_units: int,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        cap_hold: HoldLookup | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._rekognition = rekognition
        self._min = min_inference_units
        self._max = max_inference_units
        self._interval = interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._asked_at: dict[str, float] = {}
        self._cap_hold = cap_hold or (lambda _arn: None)  # None: no hold is ever in force
        self._now = now

    def request_start(self, version_arn: str) -> bool:
        """Ask Rekognition to start the model; False when this container asked recently or the model
        is held stopped by the daily cap."""
        with self._lock:
            asked = self._asked_at.get(version_arn)
            if asked is not None and self._clock() - asked < self._interval:
                return False
            self._asked_at[version_arn] = self._clock()
        until = self._cap_hold(version_arn)
        if until is not None and self._now() < until:
            return False
        request: dict[str, Any] = {"ProjectVersionArn": version_arn, "MinInferenceUnits": self._min}
        if self._max > self._min:
            request["MaxInferenceUnits"] = self._max
        try:
            self._rekognition.start_project_version(**request)
        except ClientError as error:
            if error_code(error) not in ALREADY_CHANGING:
                raise
        return True
