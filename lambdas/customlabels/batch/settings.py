"""The batch functions' settings (one class for all five): set by infra/batch.py, read at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from customlabels.environment import FunctionSettings


@dataclass(frozen=True)
class BatchSettings(FunctionSettings):
    project_name: str
    registry_table_name: str
    results_table_name: str
    inference_bucket_name: str
    console_bucket_name: str
    min_confidence: float | None = None
    min_inference_units: int = 1
    max_inference_units: int = 1
    detect_concurrency: int = 4
    video_frames_per_second: float = 1.0
    video_frames_per_chunk: int = 100  # frames one chunk child analyses within the margin of its timeout
    review_below_confidence: float | None = None
