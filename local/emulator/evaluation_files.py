"""The evaluation summary file and the evaluation manifest snapshot (spec 04 §8, §9)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from customlabels.evaluation import Aggregate, Box, LabelMetrics

TRAINING_JOB = "rekognition-custom-labels-training-job"
EVALUATION_JOB = "rekognition-custom-labels-evaluation-job"


@dataclass(frozen=True)
class EvaluatedImage:
    source_ref: str
    truth_labels: frozenset[str]
    truth_boxes: tuple[tuple[str, Box], ...]
    image_size: tuple[int, int]
    predictions: tuple[tuple[str, float, Box | None], ...]  # label, confidence 0-1, box
    matches: tuple[bool, ...] = ()  # detection: whether each prediction matches a ground-truth box


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def summary_file(
    version_arn: str,
    labels: Sequence[str],
    training_images: int,
    testing_images: int,
    per_label: Sequence[LabelMetrics],
    total: Aggregate,
    confusion: list[dict] | None,
    average_precision: float | None = None,
    average_recall: float | None = None,
) -> dict:
    aggregated: dict = {"Precision": total.precision, "Recall": total.recall, "F1Score": total.f1}
    if confusion is not None:
        aggregated["ConfusionMatrix"] = confusion
    else:
        aggregated["AveragePrecision"] = average_precision
        aggregated["AverageRecall"] = average_recall
    return {
        "Version": 1,
        "EvaluationDetails": {
            "ProjectVersionArn": version_arn,
            "EvaluationEndTimestamp": _now(),
            "Labels": sorted(labels),
            "NumberOfTrainingImages": training_images,
            "NumberOfTestingImages": testing_images,
        },
        "AggregatedEvaluationResults": aggregated,
        "LabelEvaluationResults": [m.as_summary_entry() for m in per_label],
    }


def _details(above: bool, present: bool) -> dict:
    return {
        "version": 1,
        "ground-truth-labelling-jobs": [TRAINING_JOB],
        "is-true-positive": above and present,
        "is-true-negative": not above and not present,
        "is-false-positive": above and not present,
        "is-false-negative": not above and present,
        "is-present-in-ground-truth": present,
    }


def classification_snapshot_line(image: EvaluatedImage, thresholds: dict[str, float]) -> dict:
    created = _now()
    line: dict = {"source-ref": image.source_ref}
    label_ids = {label: i for i, label in enumerate(sorted(thresholds))}
    for i, label in enumerate(sorted(image.truth_labels)):
        line[f"rekognition-custom-labels-training-{i}"] = label_ids.get(label, -1)
        line[f"rekognition-custom-labels-training-{i}-metadata"] = {
            "confidence": 1.0,
            "job-name": TRAINING_JOB,
            "class-name": label,
            "human-annotated": "yes",
            "creation-date": created,
            "type": "groundtruth/image-classification",
        }
    for i, (label, confidence, _) in enumerate(sorted(image.predictions, key=lambda p: -p[1])):
        line[f"rekognition-custom-labels-evaluation-{i}"] = label_ids.get(label, -1)
        line[f"rekognition-custom-labels-evaluation-{i}-metadata"] = {
            "confidence": confidence,
            "job-name": EVALUATION_JOB,
            "class-name": label,
            "human-annotated": "no",
            "creation-date": created,
            "type": "groundtruth/image-classification",
            "rekognition-custom-labels-evaluation-details": _details(
                confidence >= thresholds.get(label, 1.0), label in image.truth_labels
            ),
        }
    return line


def detection_snapshot_line(image: EvaluatedImage, thresholds: dict[str, float]) -> dict:
    created = _now()
    class_ids = {label: i for i, label in enumerate(sorted(thresholds))}
    class_map = {str(i): label for label, i in class_ids.items()}
    width, height = image.image_size
    size = [{"width": width, "height": height, "depth": 3}]

    def annotation(label: str, box: Box) -> dict:
        return {
            "class_id": class_ids[label],
            "left": round(box.left),
            "top": round(box.top),
            "width": round(box.width),
            "height": round(box.height),
        }

    objects = [
        {
            "confidence": confidence,
            "rekognition-custom-labels-evaluation-details": _details(
                confidence >= thresholds.get(label, 1.0), matched
            ),
        }
        for (label, confidence, _), matched in zip(image.predictions, image.matches, strict=True)
    ]
    return {
        "source-ref": image.source_ref,
        "rekognition-custom-labels-training-0": {
            "annotations": [annotation(label, box) for label, box in image.truth_boxes],
            "image_size": size,
        },
        "rekognition-custom-labels-training-0-metadata": {
            "job-name": TRAINING_JOB,
            "class-map": class_map,
            "human-annotated": "yes",
            "objects": [{"confidence": 1.0} for _ in image.truth_boxes],
            "creation-date": created,
            "type": "groundtruth/object-detection",
        },
        "rekognition-custom-labels-evaluation": {
            "annotations": [annotation(label, box) for label, _, box in image.predictions],
            "image_size": size,
        },
        "rekognition-custom-labels-evaluation-metadata": {
            "confidence": max((c for _, c, _ in image.predictions), default=0.0),
            "job-name": EVALUATION_JOB,
            "class-map": class_map,
            "human-annotated": "no",
            "objects": objects,
            "creation-date": created,
            "type": "groundtruth/object-detection",
        },
    }


def json_lines(lines: Sequence[dict]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()
