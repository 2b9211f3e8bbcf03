"""Training for real (files, metrics, failures) and DetectCustomLabels on the trained model."""

from __future__ import annotations

import io
import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from customlabels.manifest import validate_manifests
from local.demo import SAMPLE_COUNT
from local.emulator.settings import Faults, ServiceSettings
from local.samples import NOISY_COUNT, noisy_digit_samples, write_samples
from tests.fixtures.local_aws import wait_until
from tests.unit.emulator.conftest import BUCKET, manifest_source

OUTPUT = {"S3Bucket": BUCKET, "S3KeyPrefix": "output"}


def train(rekognition, train_key: str, test_key: str | None, name: str = "p") -> tuple[str, str, dict]:
    project = rekognition.create_project(ProjectName=name)["ProjectArn"]
    testing = {"Assets": [manifest_source(test_key)]} if test_key else {"AutoCreate": True}
    arn = rekognition.create_project_version(
        ProjectArn=project,
        VersionName="v1",
        OutputConfig=OUTPUT,
        TrainingData={"Assets": [manifest_source(train_key)]},
        TestingData=testing,
    )["ProjectVersionArn"]
    description = wait_until(
        lambda: rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0],
        lambda d: d["Status"] != "TRAINING_IN_PROGRESS",
    )
    return project, arn, description


def start(rekognition, project: str, arn: str, units: int = 1) -> None:
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=units)
    wait_until(
        lambda: rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0],
        lambda d: d["Status"] == "RUNNING",
    )


def read_json(s3, s3_object: dict):
    return json.loads(s3.get_object(Bucket=s3_object["Bucket"], Key=s3_object["Name"])["Body"].read())


def test_summary_file_is_consistent_with_describe(rekognition, s3, digits):
    _, _, described = train(rekognition, digits["train"], digits["test"])
    assert described["Status"] == "TRAINING_COMPLETED"
    summary = read_json(s3, described["EvaluationResult"]["Summary"]["S3Object"])
    per_label = [entry["Metrics"] for entry in summary["LabelEvaluationResults"]]
    for metrics in per_label:
        p, r = metrics["Precision"], metrics["Recall"]
        assert metrics["F1Score"] == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)
        assert 0 <= metrics["Threshold"] <= 1
    aggregated = summary["AggregatedEvaluationResults"]
    for key in ("Precision", "Recall", "F1Score"):
        values = [metrics[key] for metrics in per_label]
        assert aggregated[key] == pytest.approx(sum(values) / len(values))
    assert described["EvaluationResult"]["F1Score"] == aggregated["F1Score"]
    assert described["EvaluationResult"]["F1Score"] >= 0.7
    assert summary["EvaluationDetails"]["NumberOfTestingImages"] == 10
    f1s = [metrics["F1Score"] for metrics in per_label]
    assert f1s == sorted(f1s, reverse=True)
    for ground_truth in {cell["GroundTruthLabel"] for cell in aggregated["ConfusionMatrix"]}:
        row = [
            cell["Value"]
            for cell in aggregated["ConfusionMatrix"]
            if cell["GroundTruthLabel"] == ground_truth
        ]
        assert sum(row) == pytest.approx(1.0)
    snapshot = (
        s3.get_object(
            Bucket=BUCKET,
            Key=described["TestingDataResult"]["Output"]["Assets"][0]["GroundTruthManifest"]["S3Object"][
                "Name"
            ],
        )["Body"]
        .read()
        .decode()
        .splitlines()
    )
    assert len(snapshot) == 10
    details = json.loads(snapshot[0])["rekognition-custom-labels-evaluation-0-metadata"][
        "rekognition-custom-labels-evaluation-details"
    ]
    flags = ["is-true-positive", "is-true-negative", "is-false-positive", "is-false-negative"]
    assert sum(details[flag] for flag in flags) == 1
    manifest_summary = read_json(s3, described["ManifestSummary"]["S3Object"])
    assert manifest_summary["statistics"]["training"]["valid_json_lines"] == 50


def test_terminal_manifest_errors_fail_training_as_the_engine_says(rekognition, s3):
    lines = [f'{{"source-ref": "s3://{BUCKET}/a.png"'] * 3 + ["not json"] * 3
    s3.put_object(Bucket=BUCKET, Key="bad/train.manifest", Body="\n".join(lines).encode())
    s3.put_object(Bucket=BUCKET, Key="bad/test.manifest", Body="\n".join(lines).encode())
    _, _, described = train(rekognition, "bad/train.manifest", "bad/test.manifest")
    engine = validate_manifests(
        f"s3://{BUCKET}/bad/train.manifest", f"s3://{BUCKET}/bad/test.manifest", s3=s3
    )
    assert described["Status"] == "TRAINING_FAILED"
    assert described["StatusMessage"] == engine.status_message != ""
    assert read_json(s3, described["ManifestSummary"]["S3Object"]) == engine.summary
    assert "EvaluationResult" not in described and "BillableTrainingTimeInSeconds" not in described


def test_missing_manifest_fails_with_file_message_and_no_summary(rekognition, s3):
    _, _, described = train(rekognition, "missing/train.manifest", "missing/test.manifest")
    assert described["Status"] == "TRAINING_FAILED"
    assert described["StatusMessage"] == "The manifest file extension or contents are invalid."
    assert "ManifestSummary" not in described


def test_auto_split_trains_from_one_manifest(rekognition, digits):
    _, _, described = train(rekognition, digits["train"], None)
    assert described["Status"] == "TRAINING_COMPLETED"
    assert described["TestingDataResult"]["Input"]["AutoCreate"] is True


@pytest.fixture
def running_digits(rekognition, digits):
    project, arn, _ = train(rekognition, digits["train"], digits["test"])
    start(rekognition, project, arn)
    return arn


def test_detection_confidences_thresholds_and_limits(rekognition, s3, running_digits):
    key = (
        "digits/images/"
        + next(line for line in s3.list_objects_v2(Bucket=BUCKET, Prefix="digits/images/")["Contents"])[
            "Key"
        ].rsplit("/", 1)[1]
    )
    image = {"S3Object": {"Bucket": BUCKET, "Name": key}}
    everything = rekognition.detect_custom_labels(
        ProjectVersionArn=running_digits, Image=image, MinConfidence=0
    )
    confidences = [label["Confidence"] for label in everything["CustomLabels"]]
    assert len(confidences) == 10 and confidences == sorted(confidences, reverse=True)
    assert all(
        0 <= c <= 100 and "Geometry" not in label
        for c, label in zip(confidences, everything["CustomLabels"], strict=True)
    )
    top = rekognition.detect_custom_labels(
        ProjectVersionArn=running_digits, Image=image, MinConfidence=0, MaxResults=1
    )["CustomLabels"]
    assert top == everything["CustomLabels"][:1]
    assumed = rekognition.detect_custom_labels(ProjectVersionArn=running_digits, Image=image)["CustomLabels"]
    assert len(assumed) < 10


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_detection_rejects_bad_images(rekognition, running_digits):
    cases = [
        ({"Bytes": b"x" * (4 * 1024 * 1024 + 1)}, "ImageTooLargeException"),
        ({"Bytes": b"GIF89a not an image"}, "InvalidImageFormatException"),
        ({"Bytes": small_png()}, "InvalidImageFormatException"),
        ({"S3Object": {"Bucket": BUCKET, "Name": "absent.png"}}, "InvalidS3ObjectException"),
    ]
    for image, code in cases:
        with pytest.raises(ClientError) as excinfo:
            rekognition.detect_custom_labels(ProjectVersionArn=running_digits, Image=image)
        assert excinfo.value.response["Error"]["Code"] == code


class TestCapacity:
    @pytest.fixture
    def service_settings(self) -> ServiceSettings:
        return ServiceSettings(iu_tps=2)

    def test_requests_above_the_units_throughput_are_refused(self, local_client, running_digits):
        no_retries = local_client("rekognition", config=Config(retries={"total_max_attempts": 1}))
        image = {"S3Object": {"Bucket": BUCKET, "Name": "absent.png"}}
        codes = []
        for _ in range(3):
            with pytest.raises(ClientError) as excinfo:
                no_retries.detect_custom_labels(ProjectVersionArn=running_digits, Image=image)
            codes.append(excinfo.value.response["Error"]["Code"])
        assert codes == ["InvalidS3ObjectException"] * 2 + ["ProvisionedThroughputExceededException"]


class TestFaults:
    @pytest.fixture
    def service_settings(self) -> ServiceSettings:
        return ServiceSettings(faults=Faults(throttle=0.5, internal=0.5), seed=1)

    def test_injected_faults_use_the_service_errors(self, local_client):
        client = local_client("rekognition", config=Config(retries={"total_max_attempts": 1}))
        codes = set()
        for _ in range(20):
            with pytest.raises(ClientError) as excinfo:
                client.describe_projects()
            codes.add(excinfo.value.response["Error"]["Code"])
        assert codes == {"ThrottlingException", "InternalServerError"}


@pytest.mark.slow
def test_object_localization_returns_boxes(rekognition, shapes):
    project, arn, described = train(rekognition, shapes["train"], shapes["test"])
    assert described["Status"] == "TRAINING_COMPLETED"
    start(rekognition, project, arn)
    labels = rekognition.detect_custom_labels(
        ProjectVersionArn=arn,
        Image={"S3Object": {"Bucket": BUCKET, "Name": "shapes/images/shape-0000.png"}},
        MinConfidence=0,
    )["CustomLabels"]
    assert labels and all(label["Name"] in {"circle", "square", "triangle"} for label in labels)
    for label in labels:
        box = label["Geometry"]["BoundingBox"]
        assert 0 <= box["Left"] <= 1 and 0 <= box["Top"] <= 1
        assert 0 < box["Width"] <= 1 - box["Left"] + 1e-9 and 0 < box["Height"] <= 1 - box["Top"] + 1e-9
        right, bottom = box["Left"] + box["Width"], box["Top"] + box["Height"]
        corners = [box["Left"], box["Top"], right, box["Top"], right, bottom, box["Left"], bottom]
        polygon = [value for point in label["Geometry"]["Polygon"] for value in (point["X"], point["Y"])]
        assert polygon == pytest.approx(corners)


@pytest.mark.parametrize("count", [NOISY_COUNT, SAMPLE_COUNT], ids=["quick-start", "demo"])
def test_the_noisy_digits_sample_lands_where_a_gate_has_something_to_decide(rekognition, s3, count):
    """The quick start's and the demo's sample: errors to look at, F1 about 0.9 (both gates pass)."""
    uris = write_samples(s3, noisy_digit_samples(count), BUCKET, "noisy")
    keys = {split: uri.split("/", 3)[3] for split, uri in uris.items()}
    _, _, described = train(rekognition, keys["train"], keys["test"])
    summary = read_json(s3, described["EvaluationResult"]["Summary"]["S3Object"])
    f1 = summary["AggregatedEvaluationResults"]["F1Score"]
    below = {e["Label"] for e in summary["LabelEvaluationResults"] if e["Metrics"]["F1Score"] < 0.8}
    assert 0.85 <= f1 <= 0.95, f1
    assert below and below <= {"1", "3", "7", "8"}, below
