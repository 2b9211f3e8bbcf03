"""One training run: stage manifests, validate them with the project's manifest engine, train, evaluate,
write every output file under OutputConfig, and say what DescribeProjectVersions must show."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from PIL import Image

from customlabels import manifest as engine
from customlabels.evaluation import (
    aggregate,
    aggregated_f1,
    classification_metrics,
    confusion_matrix,
    detection_metrics,
)
from local.emulator.detection import IMAGE_LEVEL_LABELS, OBJECT_LOCALIZATION, TrainedModel
from local.emulator.entries import LabeledImage, read_entry
from local.emulator.errors import CustomLabelsError
from local.emulator.evaluation_files import (
    EvaluatedImage,
    classification_snapshot_line,
    detection_snapshot_line,
    json_lines,
    summary_file,
)
from local.emulator.images import MAX_BYTES_S3, open_image
from local.emulator.learners import BoxDetector, ImageClassifier
from local.emulator.manifest_import import ImportFailed, split_for_test
from local.emulator.storage import ObjectMissing, read_object, split_s3_uri
from local.emulator.training_output import (
    EVALUATION_SUMMARY,
    TESTING_GROUND_TRUTH,
    TRAINING_GROUND_TRUTH,
    TrainingOutput,
    asset,
    staged,
    testing_input,
    training_input,
)

UNABLE_TO_WRITE = "Unable to write to output S3 bucket."
IMAGE_READERS = 8


@dataclass(frozen=True)
class TrainingRequest:
    project_name: str
    version_name: str
    version_arn: str
    output_config: dict[str, str]
    training: str | dict  # manifest text (project dataset) or S3Object of an external manifest
    testing: str | dict | None  # None: split 20 % of the training entries off
    kms_key_id: str | None = None
    seed: int = 0


@dataclass
class TrainingOutcome:
    status: str
    message: str
    results: dict[str, Any] = field(default_factory=dict)
    model: TrainedModel | None = None


def run_training(request: TrainingRequest, s3) -> TrainingOutcome:
    try:
        return _run_training(request, s3)
    except ClientError as error:  # S3 refused an output write (spec 03 §3, F5)
        if error.operation_name != "PutObject":
            raise
        return TrainingOutcome("TRAINING_FAILED", UNABLE_TO_WRITE)


def _run_training(request: TrainingRequest, s3) -> TrainingOutcome:
    output = TrainingOutput(
        s3, request.output_config, request.project_name, request.version_name, request.kms_key_id
    )
    try:
        s3.head_bucket(Bucket=output.bucket)
    except ClientError:
        return TrainingOutcome("TRAINING_FAILED", UNABLE_TO_WRITE)
    with tempfile.TemporaryDirectory(prefix="customlabels-training-") as folder:
        try:
            return _validate_and_train(request, s3, output, Path(folder))
        except ClientError:
            return TrainingOutcome("TRAINING_FAILED", UNABLE_TO_WRITE)


def _validate_and_train(
    request: TrainingRequest, s3, output: TrainingOutput, workdir: Path
) -> TrainingOutcome:
    training_manifest = staged(request.training, "training", workdir)
    testing_manifest = staged(request.testing, "testing", workdir)
    with engine.validate_manifests(training_manifest, testing_manifest, s3=s3, check_images=True) as report:
        if report.file_error:
            return TrainingOutcome("TRAINING_FAILED", report.status_message)
        # read the entries before writing: writing the files consumes the engine's spooled lines
        training_entries = report.training.entries if report.can_train else []
        testing_entries = report.testing.entries if report.can_train and testing_manifest else None
        try:
            results = _validation_results(report, output, request, workdir)
        except engine.ManifestFileError as failure:
            return TrainingOutcome("TRAINING_FAILED", failure.error.value)
        if not report.can_train:
            return TrainingOutcome("TRAINING_FAILED", report.status_message, results)
        use_case = report.use_case
    try:
        if testing_entries is None:
            training_entries, testing_entries = _auto_split(training_entries, request.version_arn)
        model, evaluation = _fit_and_evaluate(
            request, s3, use_case, training_entries, testing_entries, output
        )
    except (CustomLabelsError, ImportFailed) as error:
        return TrainingOutcome("TRAINING_FAILED", error.message, results)
    results["TrainingDataResult"]["Output"] = asset(evaluation["training_snapshot"])
    results["TestingDataResult"]["Output"] = {
        **asset(evaluation["testing_snapshot"]),
        "AutoCreate": results["TestingDataResult"]["Input"].get("AutoCreate", False),
    }
    results["EvaluationResult"] = {
        "F1Score": evaluation["f1"],
        "Summary": {"S3Object": evaluation["summary"]},
    }
    return TrainingOutcome("TRAINING_COMPLETED", "The model is ready to run.", results, model)


def _auto_split(entries: list[dict], seed: str) -> tuple[list[dict], list[dict]]:
    by_ref = {entry["source-ref"]: json.dumps(entry) for entry in entries}
    training, testing = split_for_test(by_ref, seed)
    return [json.loads(line) for line in training.values()], [json.loads(line) for line in testing.values()]


def _validation_results(report, output: TrainingOutput, request: TrainingRequest, workdir: Path) -> dict:
    written = output.put_validation(report, workdir)
    return {
        "ManifestSummary": {"S3Object": written[engine.SUMMARY_FILE]},
        "TrainingDataResult": {
            "Input": training_input(request.training),
            "Validation": asset(written[engine.TRAINING_FILE]),
        },
        "TestingDataResult": {
            "Input": testing_input(request.testing),
            "Validation": asset(written[engine.TESTING_FILE]),
        },
    }


def _load_images(s3, entries: Sequence[dict]) -> list[tuple[LabeledImage, Image.Image]]:
    """Labeled entries whose image opens; the engine already reported the others."""

    def load(entry: dict) -> tuple[LabeledImage, Image.Image] | None:
        labeled = read_entry(entry)
        try:
            image = open_image(read_object(s3, *split_s3_uri(labeled.source_ref)), MAX_BYTES_S3)
        except (ObjectMissing, CustomLabelsError, ValueError):
            return None
        return labeled, image

    with ThreadPoolExecutor(IMAGE_READERS) as pool:
        return [loaded for loaded in pool.map(load, entries) if loaded is not None and loaded[0].labels]


def _used_entries(entries: Sequence[dict], used: list[tuple[LabeledImage, Image.Image]]) -> list[dict]:
    kept = {image.source_ref for image, _ in used}
    return [entry for entry in entries if entry.get("source-ref") in kept]


def _fit_and_evaluate(
    request: TrainingRequest,
    s3,
    use_case: str,
    training_entries: list[dict],
    testing_entries: list[dict],
    output: TrainingOutput,
) -> tuple[TrainedModel, dict]:
    train = _load_images(s3, training_entries)
    test = _load_images(s3, testing_entries)
    if not train or not test:
        raise CustomLabelsError("The manifest file has too few usable labels.")
    if use_case == OBJECT_LOCALIZATION:
        model, evaluation = _detection(request, train, test)
    else:
        model, evaluation = _classification(request, train, test)
    summary, snapshot = evaluation
    return model, _write_evaluation(output, summary, _used_entries(training_entries, train), snapshot)


def _classification(request, train, test) -> tuple[TrainedModel, tuple[dict, list[dict]]]:
    labels = sorted(set().union(*(image.labels for image, _ in train)))
    multi_label = any(len(image.labels) > 1 for image, _ in train)
    predictor = ImageClassifier(labels, multi_label, request.seed).fit(
        [picture for _, picture in train], [image.labels for image, _ in train]
    )
    predictions = [predictor.predict(picture) for _, picture in test]
    truth = [set(image.labels) for image, _ in test]
    scores = [{p.label: p.confidence for p in image_predictions} for image_predictions in predictions]
    per_label = classification_metrics(truth, scores, labels)
    thresholds = {m.label: m.threshold for m in per_label}
    top = [max(image_scores, key=image_scores.get) if image_scores else None for image_scores in scores]
    total = aggregate(per_label)
    summary = summary_file(
        request.version_arn, labels, len(train), len(test), per_label, total, confusion_matrix(truth, top)
    )
    evaluated = [
        EvaluatedImage(
            image.source_ref,
            image.labels,
            (),
            picture.size,
            tuple((p.label, p.confidence, None) for p in image_predictions),
        )
        for (image, picture), image_predictions in zip(test, predictions, strict=True)
    ]
    snapshot = [classification_snapshot_line(e, thresholds) for e in evaluated]
    model = TrainedModel(IMAGE_LEVEL_LABELS, predictor, thresholds)
    return model, (summary, snapshot)


def _detection(request, train, test) -> tuple[TrainedModel, tuple[dict, list[dict]]]:
    labels = sorted({label for image, _ in train for label, _ in image.boxes})
    predictor = BoxDetector(labels, request.seed).fit(
        [picture for _, picture in train], [image.boxes for image, _ in train]
    )
    predictions = [predictor.predict(picture) for _, picture in test]
    truth = [list(image.boxes) for image, _ in test]
    result = detection_metrics(
        truth,
        [[(p.label, p.box, p.confidence) for p in image_predictions] for image_predictions in predictions],
        labels,
    )
    thresholds = {m.label: m.threshold for m in result.labels}
    total = aggregate(result.labels)
    summary = summary_file(
        request.version_arn,
        labels,
        len(train),
        len(test),
        result.labels,
        total,
        None,
        result.average_precision,
        result.average_recall,
    )
    evaluated = [
        EvaluatedImage(
            image.source_ref,
            image.labels,
            image.boxes,
            picture.size,
            tuple((p.label, p.confidence, p.box) for p in image_predictions),
            tuple(matches),
        )
        for (image, picture), image_predictions, matches in zip(
            test, predictions, result.matches, strict=True
        )
    ]
    snapshot = [detection_snapshot_line(e, thresholds) for e in evaluated]
    model = TrainedModel(OBJECT_LOCALIZATION, predictor, thresholds)
    return model, (summary, snapshot)


def _write_evaluation(
    output: TrainingOutput, summary: dict, training_lines: list[dict], snapshot: list[dict]
) -> dict:
    return {
        "summary": output.put(EVALUATION_SUMMARY, json.dumps(summary, indent=1).encode()),
        "testing_snapshot": output.put(TESTING_GROUND_TRUTH, json_lines(snapshot)),
        "training_snapshot": output.put(TRAINING_GROUND_TRUTH, json_lines(training_lines)),
        "f1": aggregated_f1(summary),
    }
