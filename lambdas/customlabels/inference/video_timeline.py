"""A video's per-frame labels -> per-label summaries and segments, and the result document.

A segment runs from the first to the last timestamp where its label is seen; a gap of fewer than
``MIN_GAP_FRAMES`` sampled frames without the label does not end it (one missed frame is noise).
A long video analysed in chunks (batch analysis) has its chunk timelines merged first, so segments
are found on the whole timeline and a label seen across a chunk boundary is one segment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from customlabels.inference import results
from customlabels.inference.events import ImageVersion

MIN_GAP_FRAMES = 2


def segments(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``timeline``: entries ``{"timestampMs", "labels": [{"name", "confidence", ...}]}`` in time order."""
    seen: dict[str, list[int]] = {}
    for index, entry in enumerate(timeline):
        for name in dict.fromkeys(label["name"] for label in entry["labels"]):
            seen.setdefault(name, []).append(index)
    found = []
    for name, indices in seen.items():
        start = previous = indices[0]
        for index in [*indices[1:], None]:
            if index is not None and index - previous - 1 < MIN_GAP_FRAMES:
                previous = index
                continue
            found.append(_segment(name, timeline, start, previous))
            if index is not None:
                start = previous = index
    return sorted(found, key=lambda segment: (segment["startMs"], segment["label"]))


def _segment(name: str, timeline: list[dict[str, Any]], first: int, last: int) -> dict[str, Any]:
    confidences = [
        label["confidence"]
        for entry in timeline[first : last + 1]
        for label in entry["labels"]
        if label["name"] == name
    ]
    return {
        "label": name,
        "startMs": timeline[first]["timestampMs"],
        "endMs": timeline[last]["timestampMs"],
        "frames": len(confidences),
        "maxConfidence": max(confidences),
    }


def label_summaries(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per label seen: its name (what the results table indexes), frames and best confidence."""
    best: dict[str, float] = {}
    frames: dict[str, int] = {}
    for entry in timeline:
        for label in entry["labels"]:
            name = label["name"]
            best[name] = max(best.get(name, 0.0), label["confidence"])
            frames[name] = frames.get(name, 0) + 1
    return [{"name": name, "confidence": best[name], "frames": frames[name]} for name in sorted(best)]


def merge_timelines(chunks: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One timeline from chunk timelines, in time order; a timestamp two chunks both hold is kept once."""
    merged: dict[int, dict[str, Any]] = {}
    for timeline in chunks:
        for entry in timeline:
            merged.setdefault(entry["timestampMs"], entry)
    return [merged[timestamp] for timestamp in sorted(merged)]


@dataclass(frozen=True)
class Analysis:
    """What a video's result document says besides its timeline."""

    codec: str
    width: int
    height: int
    duration_ms: int | None
    frames_per_second: float
    model_version_arn: str
    model_version_name: str
    min_confidence: float | None
    started_at: str


def video_document(
    video: ImageVersion, analysis: Analysis, timeline: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """``results/<key>.json`` of a video, analysed in one run or in chunks; ``extra``: more sections."""
    duration_ms = analysis.duration_ms
    return {
        "status": results.SUCCEEDED,
        "image": results.image_section(video, (analysis.width, analysis.height), None),
        "video": {"codec": analysis.codec, "framesPerSecond": analysis.frames_per_second, **extra},
        "modelVersionArn": analysis.model_version_arn,
        "modelVersionName": analysis.model_version_name,
        "minConfidence": analysis.min_confidence,
        "durationMs": duration_ms if duration_ms is not None else timeline[-1]["timestampMs"],
        "frameCount": len(timeline),
        "labels": label_summaries(timeline),
        "segments": segments(timeline),
        "timeline": timeline,
        "uploadedAt": video.uploaded_at,
        "startedAt": analysis.started_at,
        "finishedAt": results.now_iso(),
    }
