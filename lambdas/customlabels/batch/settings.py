"""The batch functions' settings: environment variables set by infra/batch/, parsed once at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from customlabels.environment import optional, required


@dataclass(frozen=True)
class BatchEnv:
    project: str
    registry_table: str
    results_table: str
    inference_bucket: str
    console_bucket: str
    min_confidence: float | None
    min_inference_units: int
    max_inference_units: int
    concurrency: int
    video_frames_per_second: float
    video_frames_per_chunk: int  # frames one chunk child analyses within the margin of its timeout
    review_below_confidence: float | None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> BatchEnv:
        min_confidence = optional(env, "MIN_CONFIDENCE", "")
        review_below = optional(env, "REVIEW_BELOW_CONFIDENCE", "")
        return cls(
            project=required(env, "PROJECT_NAME"),
            registry_table=required(env, "REGISTRY_TABLE_NAME"),
            results_table=required(env, "RESULTS_TABLE_NAME"),
            inference_bucket=required(env, "INFERENCE_BUCKET_NAME"),
            console_bucket=required(env, "CONSOLE_BUCKET_NAME"),
            min_confidence=float(min_confidence) if min_confidence else None,
            min_inference_units=int(optional(env, "MIN_INFERENCE_UNITS", "1")),
            max_inference_units=int(optional(env, "MAX_INFERENCE_UNITS", "1")),
            concurrency=int(optional(env, "DETECT_CONCURRENCY", "4")),
            video_frames_per_second=float(optional(env, "VIDEO_FRAMES_PER_SECOND", "1")),
            video_frames_per_chunk=int(optional(env, "VIDEO_FRAMES_PER_CHUNK", "100")),
            review_below_confidence=float(review_below) if review_below else None,
        )
