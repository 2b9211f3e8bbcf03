"""One training run: stage manifests, validate them with the project's manifest engine, train, evaluate,
write every output file under OutputConfig, and say what DescribeProjectVersions must show."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
from local.emulator.storage import ObjectMissing, read_object, s3_uri, split_s3_uri, write_object

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


class _Output:
    def __init__(self, s3, request: TrainingRequest) -> None:
        self.s3, self.kms = s3, request.kms_key_id
        self.bucket = request.output_config["S3Bucket"]
        prefix = request.output_config.get("S3KeyPrefix", "").strip("/")
        self.prefix = f"{prefix}/{request.version_name}" if prefix else request.version_name

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def put(self, name: str, body: bytes) -> dict[str, str]:
        write_object(self.s3, self.bucket, self.key(name), body, self.kms)
        return {"Bucket": self.bucket, "Name": self.key(name)}


def _asset(s3_object: dict[str, str]) -> dict:
    return {"Assets": [{"GroundTruthManifest": {"S3Object": s3_object}}]}


def run_training(request: TrainingRequest, s3) -> TrainingOutcome:
    try:
        return _run_training(request, s3)
    except ClientError as error:  # S3 refused an output write (spec 03 §3, F5)
        if error.operation_name != "PutObject":
            raise
        return TrainingOutcome("TRAINING_FAILED", UNABLE_TO_WRITE)


def _run_training(request: TrainingRequest, s3) -> TrainingOutcome:
    output = _Output(s3, request)
    try:
        s3.head_bucket(Bucket=output.bucket)
    except ClientError:
        return TrainingOutcome("TRAINING_FAILED", UNABLE_TO_WRITE)
    training_object, testing_object = _stage_manifests(request, output)
    testing_uri = s3_uri(testing_object["Bucket"], testing_object["Name"]) if testing_object else None
    with engine.validate_manifests(
        s3_uri(training_object["Bucket"], training_object["Name"]), testing_uri, s3=s3, check_images=True
    ) as report:
        if report.file_error:
            return TrainingOutcome("TRAINING_FAILED", report.status_message)
        # read the entries before writing: the S3 upload consumes the engine's spooled lines
        training_entries = report.training.entries if report.can_train else []
        testing_entries = report.testing.entries if report.can_train and testing_object else None
        try:
            results = _validation_results(report, output, training_object, testing_object)
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
    results["TrainingDataResult"]["Output"] = _asset(evaluation["training_snapshot"])
    results["TestingDataResult"]["Output"] = _asset(evaluation["testing_snapshot"])
    results["EvaluationResult"] = {
        "F1Score": evaluation["f1"],
        "Summary": {"S3Object": evaluation["summary"]},
    }
    return TrainingOutcome("TRAINING_COMPLETED", "The model is ready to run.", results, model)


def _stage_manifests(request: TrainingRequest, output: _Output) -> tuple[dict, dict | None]:
    """S3 objects of the training and testing manifests (testing None: auto-split). Project dataset
    entries are written under the output location first; they become the results' Input."""
    staged = []
    for name, source in (("training", request.training), ("testing", request.testing)):
        if isinstance(source, str):
            staged.append(output.put(f"input/{name}.manifest", source.encode()))
        else:
            staged.append({"Bucket": source["Bucket"], "Name": source["Name"]} if source else None)
    return staged[0], staged[1]


def _auto_split(entries: list[dict], seed: str) -> tuple[list[dict], list[dict]]:
    by_ref = {entry["source-ref"]: json.dumps(entry) for entry in entries}
    training, testing = split_for_test(by_ref, seed)
    return [json.loads(line) for line in training.values()], [json.loads(line) for line in testing.values()]


def _validation_results(report, output: _Output, training_object: dict, testing_object: dict | None) -> dict:
    written = report.write(s3_uri(output.bucket, output.prefix + "/"), s3=output.s3)
    summary, training_file, testing_file = (
        _s3_object(written[name]) for name in (engine.SUMMARY_FILE, engine.TRAINING_FILE, engine.TESTING_FILE)
    )
    testing_result = {"Validation": _asset(testing_file)}
    if testing_object is not None:
        testing_result["Input"] = _asset(testing_object)
    else:
        testing_result["Input"] = {"Assets": [], "AutoCreate": True}
    return {
        "ManifestSummary": {"S3Object": summary},
        "TrainingDataResult": {"Input": _asset(training_object), "Validation": _asset(training_file)},
        "TestingDataResult": testing_result,
    }


def _s3_object(uri: str) -> dict[str, str]:
    bucket, key = split_s3_uri(uri)
    return {"Bucket": bucket, "Name": key}


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
    output: _Output,
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
    return model, _write_evaluation(
        request, output, summary, _used_entries(training_entries, train), snapshot
    )


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
    request, output: _Output, summary: dict, training_lines: list[dict], snapshot: list[dict]
) -> dict:
    summary_name = f"EvaluationResultSummary-{request.project_name}-{request.version_name}.json"
    return {
        "summary": output.put(summary_name, json.dumps(summary, indent=1).encode()),
        "testing_snapshot": output.put("evaluation/testing_manifest_snapshot.manifest", json_lines(snapshot)),
        "training_snapshot": output.put(
            "evaluation/training_manifest_snapshot.manifest", json_lines(training_lines)
        ),
        "f1": aggregated_f1(summary),
    }
