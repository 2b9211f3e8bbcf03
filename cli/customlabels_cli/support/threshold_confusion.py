"""A confusion matrix that agrees with the per-label metrics: it counts what the metrics count, the
predictions at each label's assumed threshold (spec 04 §2, §4.1), read from the evaluation manifest
snapshot. Rows are true labels; a column is a label predicted at its threshold, or NO_LABEL when
nothing was. So the diagonal cell of a label is its recall.

- Classification: each test image showing a label counts once in its row, in the column of every
  label predicted for it (several predicted labels: several columns, so a row can sum past 100 %).
- Object detection: each ground-truth box counts once in its row: in its own column when a counted
  true positive of its label found it, else in the column of the counted prediction of another label
  overlapping it most (IoU >= 0.5), else in NO_LABEL (missed). Which box a true positive found is
  not in the snapshot, only that it found one: each true positive, by descending confidence, takes
  the free box of its label it overlaps most (the service's flag decides, not IoU recomputed from the
  snapshot's whole-pixel boxes, so the count always equals the metrics' true positives)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from customlabels.evaluation import IOU_MATCH, Box, iou
from customlabels_cli.support.evaluation_images import TP, TestImage

NO_LABEL = "no label"


@dataclass(frozen=True)
class ThresholdConfusion:
    rows: list[str]
    columns: list[str]
    grid: list[list[float]]  # share of the row's occurrences
    occurrences: list[int]  # per row: test images (classification) or boxes (detection)

    def diagonal(self, label: str) -> float:
        row = self.rows.index(label)
        return self.grid[row][self.columns.index(label)]


def _found_boxes(truth: list[tuple[str, Box]], image: TestImage) -> set[int]:
    """Indices of the truth boxes the image's counted true positives found."""
    taken: set[int] = set()
    for prediction in image.predictions:  # by descending confidence
        if prediction.outcome != TP or prediction.box is None:
            continue
        box = Box(*prediction.box)
        free = [
            (iou(box, gt), j)
            for j, (label, gt) in enumerate(truth)
            if label == prediction.label and j not in taken
        ]
        if free:
            taken.add(max(free)[1])
    return taken


def _detection_columns(image: TestImage) -> list[tuple[str, list[str]]]:
    truth = [(label, Box(*box)) for label, box in image.truth if box is not None]
    found = _found_boxes(truth, image)
    others = [p for p in image.predictions if p.outcome and p.box is not None]
    columns = []
    for j, (label, box) in enumerate(truth):
        if j in found:
            columns.append((label, [label]))
            continue
        overlaps = [(iou(box, Box(*p.box)), p.label) for p in others if p.label != label]
        best = max(overlaps, default=(0.0, NO_LABEL))
        columns.append((label, [best[1] if best[0] >= IOU_MATCH else NO_LABEL]))
    return columns


def occurrence_columns(image: TestImage) -> list[tuple[str, list[str]]]:
    """(true label, columns it counts in) for each ground-truth occurrence of the image."""
    if image.size is not None:
        return _detection_columns(image)
    predicted = sorted({p.label for p in image.predictions if p.above}) or [NO_LABEL]
    return [(label, predicted) for label in image.truth_labels]


def missed_boxes(image: TestImage) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The ground-truth boxes no counted prediction of their label found (false negatives)."""
    boxes = [(label, box) for label, box in image.truth if box is not None]
    columns = _detection_columns(image) if image.size is not None else []
    return [box for box, (label, found) in zip(boxes, columns, strict=True) if found != [label]]


def threshold_confusion(images: Sequence[TestImage], labels: Sequence[str]) -> ThresholdConfusion:
    counts: Counter = Counter()
    occurrences: Counter = Counter()
    for image in images:
        for label, columns in occurrence_columns(image):
            occurrences[label] += 1
            counts.update((label, column) for column in columns)
    rows = list(labels) + sorted(set(occurrences) - set(labels))
    columns = [*rows, NO_LABEL]
    grid = [
        [counts[(row, column)] / occurrences[row] if occurrences[row] else 0.0 for column in columns]
        for row in rows
    ]
    return ThresholdConfusion(rows, columns, grid, [occurrences[row] for row in rows])
