"""The shadow control function's settings: set by infra/shadow.py, read at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from customlabels.environment import FunctionSettings


@dataclass(frozen=True)
class ShadowSettings(FunctionSettings):
    project_name: str
    registry_table_name: str
    results_table_name: str
    min_inference_units: int
    max_inference_units: int
