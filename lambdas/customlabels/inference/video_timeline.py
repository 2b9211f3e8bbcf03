"""A video's per-frame labels -> per-label summaries and segments.

A segment runs from the first to the last timestamp where its label is seen; a gap of fewer than
``MIN_GAP_FRAMES`` sampled frames without the label does not end it (one missed frame is noise).
"""

from __future__ import annotations

from typing import Any

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
