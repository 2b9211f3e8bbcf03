"""The drift check's settings: set by infra/monitoring.py, read at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from customlabels.environment import FunctionSettings
from customlabels.monitoring.drift import Thresholds


@dataclass(frozen=True)
class DriftSettings(FunctionSettings):
    project_name: str
    registry_table_name: str
    results_table_name: str
    drift_window_hours: float
    drift_min_images: int
    drift_max_divergence: float
    drift_max_no_label_increase: float
    drift_max_low_confidence_increase: float
    min_confidence: float | None = None

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            max_divergence=self.drift_max_divergence,
            max_no_label_increase=self.drift_max_no_label_increase,
            max_low_confidence_increase=self.drift_max_low_confidence_increase,
            min_images=self.drift_min_images,
        )
