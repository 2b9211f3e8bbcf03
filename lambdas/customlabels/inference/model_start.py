"""``onModelStopped=start``: start the champion when DetectCustomLabels says it is not running.

Each warm container asks at most once per ``interval_seconds`` per model; other containers asking
at the same time get ``ResourceInUseException`` (already starting or stopping), which is fine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from customlabels.inference.errors import error_code

ALREADY_CHANGING = {"ResourceInUseException"}


class ModelStarter:
    def __init__(
        self,
        rekognition: Any,
        *,
        min_inference_units: int,
        max_inference_units: int,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rekognition = rekognition
        self._min = min_inference_units
        self._max = max_inference_units
        self._interval = interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._asked_at: dict[str, float] = {}

    def request_start(self, version_arn: str) -> bool:
        """Ask Rekognition to start the model; False when this container asked recently."""
        with self._lock:
            asked = self._asked_at.get(version_arn)
            if asked is not None and self._clock() - asked < self._interval:
                return False
            self._asked_at[version_arn] = self._clock()
        request: dict[str, Any] = {"ProjectVersionArn": version_arn, "MinInferenceUnits": self._min}
        if self._max > self._min:
            request["MaxInferenceUnits"] = self._max
        try:
            self._rekognition.start_project_version(**request)
        except ClientError as error:
            if error_code(error) not in ALREADY_CHANGING:
                raise
        return True
