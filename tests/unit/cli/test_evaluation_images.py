"""The evaluation manifest snapshot as the console reads it: outcomes per image, and precision/recall
of a label at any threshold (spec 04 §2, §4.1, worked examples B and C), from lines the local
service's own writer produces."""

from __future__ import annotations

import json

import pytest

from customlabels.evaluation import Box, ScoredOutcome, label_metrics_at_best_threshold
from customlabels_cli.support.evaluation_images import FN, FP, TP, filtered, label_scores, parse_snapshot
from local.emulator.evaluation_files import (
    EvaluatedImage,
    classification_snapshot_line,
    detection_snapshot_line,
    json_lines,
)

# Worked example B: (confidence of X, ground truth has X); 4 positives.
EXAMPLE_B = [
    (0.95, True),
    (0.90, True),
    (0.80, False),
    (0.70, True),
    (0.60, False),
    (0.40, True),
    (0.30, False),
]


def example_b_snapshot() -> tuple[str, float]:
    metrics = label_metrics_at_best_threshold("X", [ScoredOutcome(c, t) for c, t in EXAMPLE_B], 4, 4)
    images = [
        EvaluatedImage(
            f"s3://b/img{index}.png",
            frozenset({"X"} if truth else {"Y"}),
            (),
            (64, 64),
            (("X", confidence, None), ("Y", 1 - confidence, None)),
        )
        for index, (confidence, truth) in enumerate(EXAMPLE_B)
    ]
    thresholds = {"X": metrics.threshold, "Y": 0.5}
    text = json_lines([classification_snapshot_line(image, thresholds) for image in images]).decode()
    return text, metrics.threshold


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (0.95, (1.0, 0.25, 0.4)),
        (0.90, (1.0, 0.5, 2 / 3)),
        (0.70, (0.75, 0.75, 0.75)),
        (0.40, (2 / 3, 1.0, 0.8)),  # the assumed threshold: the F1-maximising cut
        (0.30, (4 / 7, 1.0, 8 / 11)),
        (0.99, (0.0, 0.0, 0.0)),
    ],
)
def test_precision_and_recall_of_a_label_at_a_threshold(threshold, expected):
    text, _ = example_b_snapshot()
    scores = {s.label: s for s in label_scores(parse_snapshot(text))}
    assert scores["X"].positives == 4
    assert scores["X"].metrics_at(threshold) == pytest.approx(expected)


def test_outcomes_per_image_follow_the_flags_the_service_wrote():
    text, threshold = example_b_snapshot()
    assert threshold == pytest.approx(0.40)
    images = parse_snapshot(text)
    assert [image.truth_labels for image in images[:3]] == [["X"], ["X"], ["Y"]]
    assert ("X", TP) in images[0].outcomes()
    assert ("X", FP) in images[2].outcomes()  # 0.80, not X
    assert ("X", FN) not in images[5].outcomes()  # 0.40 reaches the threshold
    assert images[6].outcomes() == {("Y", TP)}  # 0.30 X is below the threshold: no outcome for X
    assert [image.source_ref for image in filtered(images, "X", FP)] == [
        "s3://b/img2.png",
        "s3://b/img4.png",
    ]
    assert len(filtered(images, None, None)) == 7


def test_a_label_predicted_only_below_its_threshold_is_a_false_negative():
    image = EvaluatedImage("s3://b/a.png", frozenset({"cat"}), (), (8, 8), (("cat", 0.2, None),))
    parsed = parse_snapshot(json.dumps(classification_snapshot_line(image, {"cat": 0.5})))
    assert parsed[0].outcomes() == {("cat", FN)}
    assert filtered(parsed, "cat", FN) == parsed


def test_detection_lines_carry_boxes_sizes_and_per_box_outcomes():
    truth = (("circle", Box(100, 100, 100, 100)), ("square", Box(10, 10, 20, 20)))
    predictions = (("circle", 0.9, Box(120, 100, 100, 100)), ("circle", 0.8, Box(300, 300, 50, 50)))
    image = EvaluatedImage("s3://b/s.png", frozenset(), truth, (640, 480), predictions, (True, False))
    line = detection_snapshot_line(image, {"circle": 0.5, "square": 0.5})
    [parsed] = parse_snapshot(json.dumps(line))
    assert parsed.size == (640, 480)
    assert parsed.truth == (("circle", (100.0, 100.0, 100.0, 100.0)), ("square", (10.0, 10.0, 20.0, 20.0)))
    assert [(p.label, p.outcome, p.box) for p in parsed.predictions] == [
        ("circle", TP, (120.0, 100.0, 100.0, 100.0)),
        ("circle", FP, (300.0, 300.0, 50.0, 50.0)),
    ]
    assert parsed.outcomes() == {("circle", TP), ("circle", FP), ("square", FN)}
    scores = {s.label: s for s in label_scores([parsed])}
    assert scores["circle"].positives == 1 and scores["square"].positives == 1
    assert scores["circle"].metrics_at(0.85) == pytest.approx((1.0, 1.0, 1.0))
    assert scores["circle"].metrics_at(0.5) == pytest.approx((0.5, 1.0, 2 / 3))
