"""The metric maths reproduces spec 04 §4.3 and §12 exactly."""

import pytest

from customlabels.evaluation import (
    Box,
    ScoredOutcome,
    aggregate,
    aggregated_f1,
    choose_threshold,
    classification_metrics,
    confusion_matrix,
    detection_metrics,
    f1_score,
    iou,
    match_boxes,
    metrics_from_decisions,
    precision_recall_f1,
)

EXAMPLE_A_TRUTH = [{"cat"}] * 4 + [{"dog"}] * 4 + [{"fox"}] * 2
EXAMPLE_A_PREDICTED = [{"cat"}] * 3 + [{"dog"}] + [{"dog"}] * 3 + [{"cat"}] + [{"fox"}, {"dog"}]


def test_worked_example_a_per_label_and_macro_aggregates():
    metrics = {m.label: m for m in metrics_from_decisions(EXAMPLE_A_TRUTH, EXAMPLE_A_PREDICTED)}
    assert (metrics["cat"].precision, metrics["cat"].recall, metrics["cat"].f1) == (0.75, 0.75, 0.75)
    assert metrics["dog"].precision == pytest.approx(0.6)
    assert metrics["dog"].f1 == pytest.approx(2 / 3)
    assert (metrics["fox"].precision, metrics["fox"].recall) == (1.0, 0.5)
    assert [metrics[x].testing_images for x in ("cat", "dog", "fox")] == [4, 4, 2]
    total = aggregate(list(metrics.values()))
    assert total.precision == pytest.approx(2.35 / 3, abs=1e-12)
    assert total.recall == pytest.approx(2 / 3, abs=1e-12)
    assert round(total.f1, 6) == 0.694444
    assert total.f1 < 0.70  # the gate example: micro F1 (0.70) or harmonic mean (0.7203) would pass


def test_worked_example_a_confusion_matrix_is_normalised_per_ground_truth():
    top = [next(iter(p)) for p in EXAMPLE_A_PREDICTED]
    cells = {
        (c["GroundTruthLabel"], c["PredictedLabel"]): c["Value"]
        for c in confusion_matrix(EXAMPLE_A_TRUTH, top)
    }
    assert cells == {
        ("cat", "cat"): 0.75,
        ("cat", "dog"): 0.25,
        ("dog", "dog"): 0.75,
        ("dog", "cat"): 0.25,
        ("fox", "fox"): 0.5,
        ("fox", "dog"): 0.5,
    }


def test_worked_example_b_threshold_maximises_f1():
    scored = [
        (0.95, True),
        (0.90, True),
        (0.80, False),
        (0.70, True),
        (0.60, False),
        (0.40, True),
        (0.30, False),
    ]
    threshold, tp, fp, fn = choose_threshold([ScoredOutcome(c, ok) for c, ok in scored], positives=4)
    assert 0.30 < threshold <= 0.40
    assert (tp, fp, fn) == (4, 2, 0)
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)
    assert (round(precision, 4), recall, round(f1, 4)) == (0.6667, 1.0, 0.8)


def test_threshold_per_label_from_scores_in_classification():
    truth = [{"a"}, {"a"}, {"b"}, {"b"}]
    scores = [{"a": 0.9, "b": 0.1}, {"a": 0.6, "b": 0.4}, {"a": 0.7, "b": 0.3}, {"a": 0.2, "b": 0.8}]
    metrics = {m.label: m for m in classification_metrics(truth, scores, ["a", "b"])}
    assert metrics["a"].threshold == 0.6 and metrics["a"].recall == 1.0
    assert metrics["b"].threshold == 0.3 and metrics["b"].f1 == pytest.approx(0.8)


def test_label_never_right_gets_zero_metrics_and_unreachable_threshold():
    threshold, tp, fp, fn = choose_threshold([ScoredOutcome(0.9, False)], positives=2)
    assert (threshold, tp, fp, fn) == (1.0, 0, 0, 2)
    assert precision_recall_f1(0, 0, 0) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("precision", "recall", "expected"), [(0.9, 1.0, 0.947368), (0.30, 1.0, 0.461538), (0.95, 0.20, 0.330435)]
)
def test_guide_f1_examples(precision, recall, expected):
    assert round(f1_score(precision, recall), 6) == expected


def test_guide_precision_recall_examples():
    assert precision_recall_f1(8, 1, 0)[0] == pytest.approx(8 / 9)
    assert precision_recall_f1(8, 5, 0)[0] == pytest.approx(8 / 13)
    assert precision_recall_f1(5, 0, 3)[1] == 0.625


@pytest.mark.parametrize(
    ("prediction", "expected", "matches"),
    [
        (Box(120, 100, 100, 100), 8000 / 12000, True),
        (Box(150, 100, 100, 100), 5000 / 15000, False),
        (Box(100, 100, 100, 50), 0.5, True),
        (Box(300, 300, 50, 50), 0.0, False),
    ],
)
def test_worked_example_c_iou_and_inclusive_match(prediction, expected, matches):
    truth = Box(100, 100, 100, 100)
    assert iou(truth, prediction) == pytest.approx(expected)
    assert match_boxes([("x", truth)], [("x", prediction, 0.9)]) == [matches]


def test_box_needs_same_label_and_each_truth_matches_once():
    truth = [("cap", Box(0, 0, 10, 10))]
    assert match_boxes(truth, [("watch", Box(0, 0, 10, 10), 0.9)]) == [False]
    assert match_boxes(truth, [("cap", Box(0, 0, 10, 10), 0.5), ("cap", Box(1, 0, 10, 10), 0.9)]) == [
        False,
        True,
    ]


def test_detection_metrics_count_per_box():
    truth = [[("cap", Box(0, 0, 10, 10)), ("cap", Box(50, 50, 10, 10))], [("cap", Box(0, 0, 10, 10))]]
    predictions = [
        [("cap", Box(0, 0, 10, 10), 0.9), ("cap", Box(80, 80, 10, 10), 0.8)],
        [("cap", Box(1, 1, 10, 10), 0.7)],
    ]
    result = detection_metrics(truth, predictions, ["cap"])
    (cap,) = result.labels
    # cuts: 0.9 -> F1 0.5, 0.8 -> 0.4, 0.7 -> 2/3 (the false positive at 0.8 is kept)
    assert (cap.threshold, cap.precision, cap.recall) == (0.7, 2 / 3, 2 / 3)
    assert cap.testing_images == 2
    assert result.matches == [[True, False], [True]]
    assert result.average_recall == pytest.approx(2 / 3)


def test_aggregated_f1_reads_both_nestings():
    assert aggregated_f1({"AggregatedEvaluationResults": {"F1Score": 0.5}}) == 0.5
    assert aggregated_f1({"AggregatedEvaluationResults": {"Metrics": {"F1Score": 0.25}}}) == 0.25
