"""The detect function's settings: environment variables set by infra/inference.py, parsed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from customlabels.environment import SettingError, optional, required


@dataclass(frozen=True)
class DetectSettings:
    project: str
    queue_url: str
    results_table: str
    idempotency_table: str
    registry_table: str
    min_confidence: float | None
    start_stopped_model: bool
    champion_cache_seconds: int
    concurrency: int
    min_inference_units: int
    max_inference_units: int
    model_retry_seconds: int
    video_frames_per_second: float
    video_max_frames: int
    video_max_bytes: int
    batch_state_machine_arn: str | None  # where long videos go; none in the production stack
    inference_bucket: str
    review_below_confidence: float | None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> DetectSettings:
        on_stopped = optional(env, "ON_MODEL_STOPPED", "start")
        if on_stopped not in ("start", "fail"):
            raise SettingError(f"ON_MODEL_STOPPED={on_stopped!r} is not allowed: use start or fail")
        min_confidence = optional(env, "MIN_CONFIDENCE", "")
        review_below = optional(env, "REVIEW_BELOW_CONFIDENCE", "")
        return cls(
            project=required(env, "PROJECT_NAME"),
            queue_url=required(env, "QUEUE_URL"),
            results_table=required(env, "RESULTS_TABLE_NAME"),
            idempotency_table=required(env, "IDEMPOTENCY_TABLE_NAME"),
            registry_table=required(env, "REGISTRY_TABLE_NAME"),
            min_confidence=float(min_confidence) if min_confidence else None,
            start_stopped_model=on_stopped == "start",
            champion_cache_seconds=int(optional(env, "CHAMPION_CACHE_SECONDS", "60")),
            concurrency=int(optional(env, "DETECT_CONCURRENCY", "4")),
            min_inference_units=int(optional(env, "MIN_INFERENCE_UNITS", "1")),
            max_inference_units=int(optional(env, "MAX_INFERENCE_UNITS", "1")),
            model_retry_seconds=int(optional(env, "MODEL_RETRY_SECONDS", "60")),
            video_frames_per_second=float(optional(env, "VIDEO_FRAMES_PER_SECOND", "1")),
            video_max_frames=int(optional(env, "VIDEO_MAX_FRAMES", "60")),
            video_max_bytes=int(optional(env, "VIDEO_MAX_BYTES", str(400 * 1024 * 1024))),
            batch_state_machine_arn=optional(env, "BATCH_STATE_MACHINE_ARN", "") or None,
            inference_bucket=required(env, "INFERENCE_BUCKET_NAME"),
            review_below_confidence=float(review_below) if review_below else None,
        )
