"""Evaluation maths of Rekognition Custom Labels (spec 04), shared by the local service and the F1 gate.

Conventions where the guide is unclear (spec 04 §13):
- a prediction counts when its confidence is >= the label's assumed threshold;
- a zero denominator gives 0 (precision, recall and F1);
- the assumed threshold is the lowest kept score of the F1-maximising cut; ties keep the higher threshold;
  a label that never reaches F1 > 0 gets threshold 1.0 (it is then only returned above 100 % confidence);
- boxes match when they carry the same label and IoU >= 0.5; predictions are matched greedily in
  descending confidence, each ground-truth box at most once;
- confusion matrix cells are normalised per ground-truth label, prediction = the image's top label.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

IOU_MATCH = 0.5
NEVER_PREDICTED_THRESHOLD = 1.0


@dataclass(frozen=True)
class LabelMetrics:
    label: str
    threshold: float
    precision: float
    recall: float
    f1: float
    testing_images: int

    def as_summary_entry(self) -> dict:
        return {
            "Label": self.label,
            "NumberOfTestingImages": self.testing_images,
            "Metrics": {
                "Threshold": self.threshold,
                "Precision": self.precision,
                "Recall": self.recall,
                "F1Score": self.f1,
            },
        }


@dataclass(frozen=True)
class Aggregate:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class ScoredOutcome:
    """One scored prediction of a label and whether it is right (present in ground truth / IoU match)."""

    confidence: float
    correct: bool


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return precision, recall, f1_score(precision, recall)


def f1_score(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def aggregate(metrics: Sequence[LabelMetrics]) -> Aggregate:
    """Macro means of the per-label values: the Rekognition method (spec 04 §4.2)."""
    count = len(metrics)
    return Aggregate(
        precision=_ratio(sum(m.precision for m in metrics), count),
        recall=_ratio(sum(m.recall for m in metrics), count),
        f1=_ratio(sum(m.f1 for m in metrics), count),
    )


def choose_threshold(outcomes: Iterable[ScoredOutcome], positives: int) -> tuple[float, int, int, int]:
    """The cut maximising F1 over scored predictions: returns (threshold, tp, fp, fn) at that cut."""
    ranked = sorted(outcomes, key=lambda o: o.confidence, reverse=True)
    best = (NEVER_PREDICTED_THRESHOLD, 0, 0, positives)
    best_f1 = 0.0
    tp = fp = 0
    for index, outcome in enumerate(ranked):
        tp += outcome.correct
        fp += not outcome.correct
        is_last_of_score = index + 1 == len(ranked) or ranked[index + 1].confidence < outcome.confidence
        if not is_last_of_score:
            continue
        f1 = precision_recall_f1(tp, fp, positives - tp)[2]
        if f1 > best_f1:
            best_f1 = f1
            best = (outcome.confidence, tp, fp, positives - tp)
    return best


def label_metrics_at_best_threshold(
    label: str, outcomes: Sequence[ScoredOutcome], positives: int, testing_images: int
) -> LabelMetrics:
    threshold, tp, fp, fn = choose_threshold(outcomes, positives)
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)
    return LabelMetrics(label, threshold, precision, recall, f1, testing_images)


def metrics_from_decisions(
    ground_truth: Sequence[set[str]],
    predicted: Sequence[set[str]],
    thresholds: Mapping[str, float] | None = None,
) -> list[LabelMetrics]:
    """Per-label metrics from per-image label sets already decided (predicted above threshold)."""
    labels = sorted(set().union(*ground_truth, *predicted))
    counts: dict[str, Counter] = defaultdict(Counter)
    for truth, guess in zip(ground_truth, predicted, strict=True):
        for label in labels:
            if label in guess:
                counts[label]["tp" if label in truth else "fp"] += 1
            elif label in truth:
                counts[label]["fn"] += 1
    result = []
    for label in labels:
        c = counts[label]
        precision, recall, f1 = precision_recall_f1(c["tp"], c["fp"], c["fn"])
        threshold = (thresholds or {}).get(label, 0.0)
        result.append(LabelMetrics(label, threshold, precision, recall, f1, c["tp"] + c["fn"]))
    return sort_by_f1(result)


def classification_metrics(
    ground_truth: Sequence[set[str]], scores: Sequence[Mapping[str, float]], labels: Iterable[str]
) -> list[LabelMetrics]:
    """Per-label metrics for image-level labels, each at its own F1-maximising threshold."""
    result = []
    for label in labels:
        outcomes = [
            ScoredOutcome(image_scores[label], label in truth)
            for truth, image_scores in zip(ground_truth, scores, strict=True)
            if label in image_scores
        ]
        positives = sum(label in truth for truth in ground_truth)
        result.append(label_metrics_at_best_threshold(label, outcomes, positives, positives))
    return sort_by_f1(result)


def confusion_matrix(ground_truth: Sequence[set[str]], top_predictions: Sequence[str | None]) -> list[dict]:
    """Sparse matrix normalised per ground-truth label (each ground-truth label's cells sum to 1)."""
    pairs: Counter = Counter()
    per_truth: Counter = Counter()
    for truth, predicted in zip(ground_truth, top_predictions, strict=True):
        for label in truth:
            per_truth[label] += 1
            if predicted is not None:
                pairs[(label, predicted)] += 1
    return [
        {"GroundTruthLabel": truth, "PredictedLabel": predicted, "Value": count / per_truth[truth]}
        for (truth, predicted), count in sorted(pairs.items())
    ]


def iou(a: Box, b: Box) -> float:
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    intersection = max(width, 0.0) * max(height, 0.0)
    union = a.width * a.height + b.width * b.height - intersection
    return _ratio(intersection, union)


def match_boxes(
    truth: Sequence[tuple[str, Box]], predictions: Sequence[tuple[str, Box, float]]
) -> list[bool]:
    """For each prediction (same order as given), whether it matches a ground-truth box (TP) or not."""
    order = sorted(range(len(predictions)), key=lambda i: predictions[i][2], reverse=True)
    taken: set[int] = set()
    matched = [False] * len(predictions)
    for i in order:
        label, box, _ = predictions[i]
        candidates = [
            (iou(box, gt_box), j)
            for j, (gt_label, gt_box) in enumerate(truth)
            if gt_label == label and j not in taken
        ]
        best = max(candidates, default=(0.0, -1))
        if best[0] >= IOU_MATCH:
            taken.add(best[1])
            matched[i] = True
    return matched


@dataclass(frozen=True)
class DetectionEvaluation:
    labels: list[LabelMetrics]
    average_precision: float
    average_recall: float
    matches: list[list[bool]]


def detection_metrics(
    truth: Sequence[Sequence[tuple[str, Box]]],
    predictions: Sequence[Sequence[tuple[str, Box, float]]],
    labels: Iterable[str],
) -> DetectionEvaluation:
    """Per-label box metrics at F1-maximising thresholds, plus mAP/mAR at IoU 0.5.

    AveragePrecision: all-point interpolated area under each label's precision/recall curve, averaged.
    AverageRecall: each label's recall with every prediction kept, averaged.
    """
    matches = [match_boxes(t, p) for t, p in zip(truth, predictions, strict=True)]
    per_label: dict[str, list[ScoredOutcome]] = defaultdict(list)
    for image_predictions, image_matches in zip(predictions, matches, strict=True):
        for (label, _, confidence), correct in zip(image_predictions, image_matches, strict=True):
            per_label[label].append(ScoredOutcome(confidence, correct))
    metrics, precisions, recalls = [], [], []
    for label in labels:
        positives = sum(gt_label == label for image in truth for gt_label, _ in image)
        images = sum(any(gt_label == label for gt_label, _ in image) for image in truth)
        outcomes = per_label[label]
        metrics.append(label_metrics_at_best_threshold(label, outcomes, positives, images))
        precisions.append(_average_precision(outcomes, positives))
        recalls.append(_ratio(sum(o.correct for o in outcomes), positives))
    return DetectionEvaluation(
        sort_by_f1(metrics),
        _ratio(sum(precisions), len(precisions)),
        _ratio(sum(recalls), len(recalls)),
        matches,
    )


def _average_precision(outcomes: Sequence[ScoredOutcome], positives: int) -> float:
    ranked = sorted(outcomes, key=lambda o: o.confidence, reverse=True)
    points, tp = [], 0
    for index, outcome in enumerate(ranked, start=1):
        tp += outcome.correct
        points.append((_ratio(tp, positives), tp / index))
    area, previous_recall = 0.0, 0.0
    for k, (recall, _) in enumerate(points):
        best_precision_after = max(p for _, p in points[k:])
        area += (recall - previous_recall) * best_precision_after
        previous_recall = recall
    return area


def sort_by_f1(metrics: list[LabelMetrics]) -> list[LabelMetrics]:
    return sorted(metrics, key=lambda m: (-m.f1, m.label))


def aggregated_f1(summary: Mapping) -> float:
    """The aggregated F1 of a summary file, whichever nesting the file uses (spec 04 §8)."""
    results = summary["AggregatedEvaluationResults"]
    return float(results.get("Metrics", results)["F1Score"])


def summary_label_metrics(summary: Mapping) -> list[LabelMetrics]:
    """The summary file's `LabelEvaluationResults` as LabelMetrics (the inverse of `as_summary_entry`)."""
    return sort_by_f1(
        [
            LabelMetrics(
                label=entry["Label"],
                threshold=float(entry["Metrics"]["Threshold"]),
                precision=float(entry["Metrics"]["Precision"]),
                recall=float(entry["Metrics"]["Recall"]),
                f1=float(entry["Metrics"]["F1Score"]),
                testing_images=int(entry.get("NumberOfTestingImages", 0)),
            )
            for entry in summary["LabelEvaluationResults"]
        ]
    )
