"""One drift check against moto: the champion's snapshot in S3, its results in the results table (other
models' and videos' rows left out), and the reports when there is nothing to judge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from customlabels.inference.results import now_iso
from customlabels.monitoring import latest_report
from customlabels.monitoring.check import Clients, check_drift, scheduled_check
from customlabels.monitoring.drift import Thresholds
from customlabels.monitoring.settings import DriftSettings
from customlabels.training.registry import Registry
from tests.fixtures.tables import create_registry_table, create_results_table

PROJECT = "digits"
ARN = "arn:aws:rekognition:us-east-1:123456789012:project/digits/version/v1/1"
SNAPSHOT = "s3://console/training-output/digits/snapshot.manifest"
THRESHOLDS = Thresholds(
    max_divergence=0.1, max_no_label_increase=0.2, max_low_confidence_increase=0.25, min_images=4
)
EVALUATION = "rekognition-custom-labels-evaluation-job"


def snapshot_line(index: int, label: str, confidence: float, above: bool = True) -> str:
    details = {
        "is-true-positive": above,
        "is-false-positive": False,
        "is-false-negative": not above,
        "is-true-negative": False,
        "is-present-in-ground-truth": True,
    }
    return json.dumps(
        {
            "source-ref": f"s3://console/test/{index}.png",
            "digit": 0,
            "digit-metadata": {"class-name": label, "job-name": "labeling-job/digits", "confidence": 1},
            "rekognition-custom-labels-evaluation-0": 0,
            "rekognition-custom-labels-evaluation-0-metadata": {
                "class-name": label,
                "confidence": confidence,
                "job-name": EVALUATION,
                "rekognition-custom-labels-evaluation-details": details,
            },
        }
    )


@pytest.fixture
def clients(aws: None) -> Clients:
    s3, dynamodb = boto3.client("s3"), boto3.resource("dynamodb")
    s3.create_bucket(Bucket="console")
    lines = [snapshot_line(i, label, 0.9) for i, label in enumerate(["3", "8"] * 10)]
    lines.append(snapshot_line(99, "3", 0.2, above=False))  # under its threshold: not returned
    s3.put_object(Bucket="console", Key=SNAPSHOT.split("/", 3)[3], Body="\n".join(lines).encode())
    create_registry_table(dynamodb)
    create_results_table(dynamodb, "results")
    return Clients(s3, boto3.client("rekognition"), Registry("registry", dynamodb), dynamodb.Table("results"))


def row(clients: Clients, key: str, labels: dict[str, str], *, arn: str = ARN, kind: str = "image") -> None:
    clients.results_table.put_item(
        Item={
            "image": f"s3://uploads/{key}",
            "version": "1",
            "status": "SUCCEEDED",
            "modelVersionArn": arn,
            "finishedAt": now_iso(),
            "kind": kind,
            "confidences": {k: json.loads(v) for k, v in labels.items()},
        }
    )


def check(clients: Clients) -> dict:
    return check_drift(
        clients,
        PROJECT,
        window_hours=1,
        min_confidence=None,
        thresholds=THRESHOLDS,
        now=datetime.now(UTC) + timedelta(seconds=1),
    )


def test_no_champion_and_no_snapshot_are_reported_with_the_fix(clients: Clients) -> None:
    assert check(clients)["status"] == "NO_CHAMPION"
    clients.registry.set_champion(PROJECT, "v1", ARN, 0.9)
    project_arn = "arn:aws:rekognition:us-east-1:123456789012:project/digits/1"
    with Stubber(clients.rekognition) as rekognition:  # a version trained without a test dataset
        rekognition.add_response("describe_projects", {"ProjectDescriptions": [{"ProjectArn": project_arn}]})
        rekognition.add_response(
            "describe_project_versions",
            {"ProjectVersionDescriptions": [{"ProjectVersionArn": ARN, "Status": "TRAINING_COMPLETED"}]},
        )
        report = check(clients)
    assert report["status"] == "NO_BASELINE" and "train the version with a test dataset" in report["reason"]


def test_the_champions_image_rows_of_the_window_against_its_snapshot(clients: Clients) -> None:
    clients.registry.set_champion(PROJECT, "v1", ARN, 0.9)
    clients.registry.put_version({"project": PROJECT, "versionName": "v1", "snapshotUri": SNAPSHOT})
    for index in range(6):
        row(clients, f"{index}.png", {"8": "95"})
    row(clients, "other-model.png", {"3": "95"}, arn=ARN.replace("v1", "v0"))
    row(clients, "clip.mp4", {"3": "95"}, kind="video")
    report = check(clients)
    assert report["status"] == "CHECKED" and report["baselineImages"] == 21
    assert report["noLabelRate"]["baseline"] == pytest.approx(1 / 21, abs=1e-4)
    assert report["windowImages"] == 6 and report["drift"]
    shares = {label["label"]: (label["baselineShare"], label["windowShare"]) for label in report["labels"]}
    assert shares == {"3": (0.5, 0.0), "8": (0.5, 1.0)}


def test_the_scheduled_check_keeps_its_report_as_the_projects_latest(clients: Clients) -> None:
    assert latest_report.read(clients.registry.table, PROJECT) is None  # no check has run yet
    settings = DriftSettings(
        project_name=PROJECT,
        registry_table_name="registry",
        results_table_name="results",
        drift_window_hours=1,
        drift_min_images=THRESHOLDS.min_images,
        drift_max_divergence=THRESHOLDS.max_divergence,
        drift_max_no_label_increase=THRESHOLDS.max_no_label_increase,
        drift_max_low_confidence_increase=THRESHOLDS.max_low_confidence_increase,
    )
    scheduled_check(settings, datetime.now(UTC))
    assert latest_report.read(clients.registry.table, PROJECT)["status"] == "NO_CHAMPION"
    clients.registry.set_champion(PROJECT, "v1", ARN, 0.9)
    clients.registry.put_version({"project": PROJECT, "versionName": "v1", "snapshotUri": SNAPSHOT})
    row(clients, "0.png", {"8": "95"})
    report = scheduled_check(settings, datetime.now(UTC) + timedelta(seconds=1))
    assert latest_report.read(clients.registry.table, PROJECT) == report
    assert report["status"] == "CHECKED" and report["windowImages"] == 1
    assert [version["versionName"] for version in clients.registry.list_versions(PROJECT)] == ["v1"]
