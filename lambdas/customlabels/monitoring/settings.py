"""The drift check's settings: environment variables set by infra/monitoring.py, parsed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from customlabels.environment import optional, required
from customlabels.monitoring.drift import Thresholds


@dataclass(frozen=True)
class DriftSettings:
    project: str
    registry_table: str
    results_table: str
    window_hours: float
    min_confidence: float | None
    thresholds: Thresholds

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> DriftSettings:
        min_confidence = optional(env, "MIN_CONFIDENCE", "")
        return cls(
            project=required(env, "PROJECT_NAME"),
            registry_table=required(env, "REGISTRY_TABLE_NAME"),
            results_table=required(env, "RESULTS_TABLE_NAME"),
            window_hours=float(required(env, "DRIFT_WINDOW_HOURS")),
            min_confidence=float(min_confidence) if min_confidence else None,
            thresholds=Thresholds(
                max_divergence=float(required(env, "DRIFT_MAX_DIVERGENCE")),
                max_no_label_increase=float(required(env, "DRIFT_MAX_NO_LABEL_INCREASE")),
                max_low_confidence_increase=float(required(env, "DRIFT_MAX_LOW_CONFIDENCE_INCREASE")),
                min_images=int(required(env, "DRIFT_MIN_IMAGES")),
            ),
        )
