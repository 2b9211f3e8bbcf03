"""The detect function's settings: environment variables set by infra/inference.py, parsed once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


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


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise RuntimeError(f"environment variable {name} is not set; the stack sets it for the function")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> DetectSettings:
    env = os.environ if env is None else env
    on_stopped = env.get("ON_MODEL_STOPPED", "start")
    if on_stopped not in ("start", "fail"):
        raise RuntimeError(f"ON_MODEL_STOPPED={on_stopped!r} is not allowed: use start or fail")
    min_confidence = env.get("MIN_CONFIDENCE", "")
    return DetectSettings(
        project=_required(env, "PROJECT_NAME"),
        queue_url=_required(env, "QUEUE_URL"),
        results_table=_required(env, "RESULTS_TABLE_NAME"),
        idempotency_table=_required(env, "IDEMPOTENCY_TABLE_NAME"),
        registry_table=_required(env, "REGISTRY_TABLE_NAME"),
        min_confidence=float(min_confidence) if min_confidence else None,
        start_stopped_model=on_stopped == "start",
        champion_cache_seconds=int(env.get("CHAMPION_CACHE_SECONDS", "60")),
        concurrency=int(env.get("DETECT_CONCURRENCY", "4")),
        min_inference_units=int(env.get("MIN_INFERENCE_UNITS", "1")),
        max_inference_units=int(env.get("MAX_INFERENCE_UNITS", "1")),
        model_retry_seconds=int(env.get("MODEL_RETRY_SECONDS", "60")),
    )
