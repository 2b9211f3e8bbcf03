"""The confusion matrix at the assumed thresholds agrees with the per-label metrics: its diagonal is each
label's recall, for classification (worked example B) and for detection (boxes)."""

from __future__ import annotations

import json

import pytest

from customlabels.evaluation import Box
from customlabels_cli.support.evaluation_images import label_scores, parse_snapshot
from customlabels_cli.support.threshold_confusion import NO_LABEL, missed_boxes, threshold_confusion
from local.emulator.evaluation_files import EvaluatedImage, detection_snapshot_line
from tests.unit.cli.test_evaluation_images import example_b_snapshot


def test_classification_rows_count_every_label_predicted_at_its_threshold():
    text, threshold = example_b_snapshot()
    images = parse_snapshot(text)
    matrix = threshold_confusion(images, ["X", "Y"])
    assert matrix.columns == ["X", "Y", NO_LABEL] and matrix.occurrences == [4, 3]
    recall = {s.label: s.metrics_at({"X": threshold, "Y": 0.5}[s.label])[1] for s in label_scores(images)}
    assert matrix.diagonal("X") == pytest.approx(recall["X"]) == 1.0
    assert matrix.diagonal("Y") == pytest.approx(recall["Y"]) == pytest.approx(1 / 3)
    # Y images: X at 0.80 and 0.60 reach X's 0.40; only Y at 0.70 reaches Y's 0.50
    assert matrix.grid[1] == pytest.approx([2 / 3, 1 / 3, 0.0])


def test_detection_boxes_go_to_their_label_the_overlapping_other_label_or_no_label():
    truth = (
        ("circle", Box(100, 100, 100, 100)),
        ("square", Box(10, 10, 20, 20)),
        ("square", Box(400, 10, 20, 20)),
    )
    predictions = (
        ("circle", 0.9, Box(120, 100, 100, 100)),  # matches the circle
        ("circle", 0.7, Box(11, 10, 20, 20)),  # a square taken for a circle
        ("square", 0.2, Box(400, 10, 20, 20)),  # right, but below square's threshold: missed
    )
    image = EvaluatedImage("s3://b/s.png", frozenset(), truth, (640, 480), predictions, (True, False, True))
    [parsed] = parse_snapshot(json.dumps(detection_snapshot_line(image, {"circle": 0.5, "square": 0.5})))
    matrix = threshold_confusion([parsed], ["circle", "square"])
    assert matrix.grid == [[1.0, 0.0, 0.0], [0.5, 0.0, 0.5]]
    scores = {s.label: s for s in label_scores([parsed])}
    assert matrix.diagonal("square") == scores["square"].metrics_at(0.5)[1] == 0.0
    assert matrix.diagonal("circle") == scores["circle"].metrics_at(0.5)[1] == 1.0
    assert missed_boxes(parsed) == [
        ("square", (10.0, 10.0, 20.0, 20.0)),
        ("square", (400.0, 10.0, 20.0, 20.0)),
    ]
