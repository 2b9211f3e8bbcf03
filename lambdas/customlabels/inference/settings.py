"""The detect function's settings: set by infra/inference.py, read once at cold start."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from customlabels.environment import FunctionSettings


class OnModelStopped(StrEnum):
    """What an upload does when the champion is not running: start it and retry, or fail the image."""

    START = "start"
    FAIL = "fail"


@dataclass(frozen=True)
class DetectSettings(FunctionSettings):
    project_name: str
    queue_url: str
    results_table_name: str
    idempotency_table_name: str
    registry_table_name: str
    inference_bucket_name: str
    min_confidence: float | None = None
    on_model_stopped: OnModelStopped = OnModelStopped.START
    champion_cache_seconds: int = 60
    detect_concurrency: int = 4
    min_inference_units: int = 1
    max_inference_units: int = 1
    model_retry_seconds: int = 60
    video_frames_per_second: float = 1.0
    video_max_frames: int = 60
    video_max_bytes: int = 400 * 1024 * 1024
    batch_state_machine_arn: str | None = None  # where long videos go; none in the production stack
    review_below_confidence: float | None = None

    @property
    def start_stopped_model(self) -> bool:
        return self.on_model_stopped is OnModelStopped.START
