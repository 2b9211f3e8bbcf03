"""A confusion matrix that agrees with the per-label metrics: it counts what the metrics count, the
predictions at each label's assumed threshold (spec 04 §2, §4.1), read from the evaluation manifest
snapshot. Rows are true labels; a column is a label predicted at its threshold, or NO_LABEL when
nothing was. So the diagonal cell of a label is its recall.

- Classification: each test image showing a label counts once in its row, in the column of every
  label predicted for it (several predicted labels: several columns, so a row can sum past 100 %).
- Object detection: each ground-truth box counts once in its row: in its own column when a counted
  prediction of its label matched it (IoU >= 0.5, greedy by confidence as the metrics match), else
  in the column of the counted prediction of another label overlapping it most (IoU >= 0.5), else
  in NO_LABEL (missed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from customlabels.evaluation import IOU_MATCH, Box, box_assignments, iou
from customlabels_cli.support.evaluation_images import TestImage

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


def _detection_columns(image: TestImage) -> list[tuple[str, list[str]]]:
    counted = [p for p in image.predictions if p.above and p.box is not None]
    truth = [(label, Box(*box)) for label, box in image.truth if box is not None]
    assigned = box_assignments(truth, [(p.label, Box(*p.box), p.confidence) for p in counted])
    matched = {j for j in assigned if j is not None}
    found = []
    for j, (label, box) in enumerate(truth):
        if j in matched:
            found.append((label, [label]))
            continue
        overlaps = [(iou(box, Box(*p.box)), p.label) for p in counted if p.label != label]
        best = max(overlaps, default=(0.0, NO_LABEL))
        found.append((label, [best[1] if best[0] >= IOU_MATCH else NO_LABEL]))
    return found


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
