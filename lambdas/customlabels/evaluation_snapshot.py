"""The evaluation manifest snapshot the service writes for the test set (spec 04 §9): each test image's
ground truth and its scored predictions with their TP/FP/FN outcomes at the assumed thresholds. The
console's evaluation page and the drift baseline (customlabels.monitoring) read it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

EVALUATION_JOB = "rekognition-custom-labels-evaluation-job"
DETAILS = "rekognition-custom-labels-evaluation-details"
TP, FP, FN = "TP", "FP", "FN"
OUTCOMES = (TP, FP, FN)

Box = tuple[float, float, float, float]  # left, top, width, height in pixels


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # 0-1
    correct: bool  # is-present-in-ground-truth (detection: the box matches a ground-truth box)
    above: bool  # counted at the label's assumed threshold (TP or FP)
    box: Box | None = None

    @property
    def outcome(self) -> str | None:
        if not self.above:
            return None
        return TP if self.correct else FP


@dataclass(frozen=True)
class TestImage:
    source_ref: str
    truth: tuple[tuple[str, Box | None], ...]
    predictions: tuple[Prediction, ...]
    size: tuple[int, int] | None = None  # width, height (detection)

    @property
    def truth_labels(self) -> list[str]:
        return sorted({label for label, _ in self.truth})

    def missed(self) -> Counter:
        """Per label, the ground-truth occurrences no counted prediction found (false negatives)."""
        found = Counter(p.label for p in self.predictions if p.outcome == TP)
        wanted = Counter(label for label, _ in self.truth)
        return Counter(
            {label: wanted[label] - found[label] for label in wanted if wanted[label] > found[label]}
        )

    def outcomes(self) -> set[tuple[str, str]]:
        """(label, TP|FP|FN) pairs present in this image at the assumed thresholds."""
        pairs = {(p.label, p.outcome) for p in self.predictions if p.outcome}
        return pairs | {(label, FN) for label in self.missed()}

    def matches(self, label: str | None, outcome: str | None) -> bool:
        return any(
            (label is None or label == found_label) and (outcome is None or outcome == found_outcome)
            for found_label, found_outcome in self.outcomes()
        )


def _box(annotation: Mapping) -> Box:
    return tuple(float(annotation[key]) for key in ("left", "top", "width", "height"))  # type: ignore[return-value]


def _above(details: Mapping) -> bool:
    return bool(details.get("is-true-positive") or details.get("is-false-positive"))


def parse_line(line: Mapping) -> TestImage:
    """One snapshot line. Attributes are found by their metadata's job name, not by a fixed key
    (the guide's examples use both `-evaluation-0` and `-evaluation`)."""
    truth: list[tuple[str, Box | None]] = []
    predictions: list[Prediction] = []
    size = None
    for key, metadata in line.items():
        if not key.endswith("-metadata") or not isinstance(metadata, Mapping):
            continue
        value = line.get(key.removesuffix("-metadata"))
        is_prediction = metadata.get("job-name") == EVALUATION_JOB
        if isinstance(value, Mapping) and "annotations" in value:
            class_map = metadata.get("class-map", {})
            objects = metadata.get("objects", [])
            sizes = value.get("image_size") or [{}]
            if sizes[0].get("width"):
                size = (int(sizes[0]["width"]), int(sizes[0]["height"]))
            for index, annotation in enumerate(value["annotations"]):
                label = class_map.get(str(annotation["class_id"]), str(annotation["class_id"]))
                if not is_prediction:
                    truth.append((label, _box(annotation)))
                    continue
                scored = objects[index] if index < len(objects) else {}
                details = scored.get(DETAILS, {})
                predictions.append(
                    Prediction(
                        label,
                        float(scored.get("confidence", 0.0)),
                        bool(details.get("is-present-in-ground-truth")),
                        _above(details),
                        _box(annotation),
                    )
                )
        elif "class-name" in metadata:
            label = str(metadata["class-name"])
            if not is_prediction:
                truth.append((label, None))
                continue
            details = metadata.get(DETAILS, {})
            predictions.append(
                Prediction(
                    label,
                    float(metadata.get("confidence", 0.0)),
                    bool(details.get("is-present-in-ground-truth")),
                    _above(details),
                )
            )
    predictions.sort(key=lambda p: -p.confidence)
    return TestImage(str(line["source-ref"]), tuple(truth), tuple(predictions), size)


def parse_snapshot(text: str) -> list[TestImage]:
    return [parse_line(json.loads(line)) for line in text.splitlines() if line.strip()]
