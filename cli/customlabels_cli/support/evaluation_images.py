"""The test images of an evaluation, read from the evaluation manifest snapshot the service wrote
(spec 04 §9): each image's ground truth, its scored predictions and their TP/FP/FN outcomes, and per
label the scored predictions that give precision and recall at any threshold (spec 04 §2, §4.1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from customlabels.evaluation import precision_recall_f1
from customlabels.evaluation_snapshot import (  # noqa: F401 -- the console's names for them
    DETAILS,
    EVALUATION_JOB,
    FN,
    FP,
    OUTCOMES,
    TP,
    Box,
    Prediction,
    TestImage,
    parse_line,
    parse_snapshot,
)


@dataclass(frozen=True)
class LabelScores:
    """Everything precision and recall of one label need at any threshold."""

    label: str
    positives: int  # ground-truth occurrences (images, or boxes for detection)
    scored: tuple[tuple[float, bool], ...]  # (confidence, correct) of every prediction of the label

    def metrics_at(self, threshold: float) -> tuple[float, float, float]:
        """Precision, recall and F1 counting the predictions with confidence >= threshold."""
        tp = sum(correct for confidence, correct in self.scored if confidence >= threshold)
        fp = sum(not correct for confidence, correct in self.scored if confidence >= threshold)
        return precision_recall_f1(tp, fp, self.positives - tp)

    def as_json(self) -> dict:
        return {"label": self.label, "positives": self.positives, "scored": [list(s) for s in self.scored]}


def label_scores(images: Sequence[TestImage], labels: Iterable[str] = ()) -> list[LabelScores]:
    positives: Counter = Counter(label for image in images for label, _ in image.truth)
    scored: dict[str, list[tuple[float, bool]]] = {}
    for image in images:
        for prediction in image.predictions:
            scored.setdefault(prediction.label, []).append((prediction.confidence, prediction.correct))
    names = sorted(set(labels) | set(positives) | set(scored))
    return [
        LabelScores(name, positives[name], tuple(sorted(scored.get(name, []), reverse=True)))
        for name in names
    ]


def filtered(images: Sequence[TestImage], label: str | None, outcome: str | None) -> list[TestImage]:
    if label is None and outcome is None:
        return list(images)
    return [image for image in images if image.matches(label, outcome)]
