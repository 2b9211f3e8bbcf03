"""The shadow control function's settings: environment variables set by infra/monitoring.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from customlabels.environment import required


@dataclass(frozen=True)
class ShadowSettings:
    project: str
    registry_table: str
    results_table: str
    min_inference_units: int
    max_inference_units: int

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> ShadowSettings:
        return cls(
            project=required(env, "PROJECT_NAME"),
            registry_table=required(env, "REGISTRY_TABLE_NAME"),
            results_table=required(env, "RESULTS_TABLE_NAME"),
            min_inference_units=int(required(env, "MIN_INFERENCE_UNITS")),
            max_inference_units=int(required(env, "MAX_INFERENCE_UNITS")),
        )
