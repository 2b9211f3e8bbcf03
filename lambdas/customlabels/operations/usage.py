"""Inference-unit hours from the ``AWS/Rekognition`` ``InServiceInferenceUnits`` metric (spec 05 §3).

Each datapoint is the average number of units in service over its period; periods without a datapoint
are periods the model was not running, so they add nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

SECONDS_PER_HOUR = 3600


def unit_hours(averages: Iterable[float], period_seconds: int) -> float:
    if period_seconds <= 0:
        raise ValueError(f"period_seconds must be positive, got {period_seconds}")
    return sum(averages) * period_seconds / SECONDS_PER_HOUR
