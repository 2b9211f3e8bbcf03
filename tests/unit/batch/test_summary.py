"""SummariseBatch over ResultWriter files in moto S3."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3

from customlabels.batch.summary import summarise
from tests.unit.inference.conftest import BUCKET

MODEL = {"versionName": "widgets.v1", "versionArn": "arn:model"}


def _child(status: str, images: list[dict] | None, items: list[dict]) -> dict:
    child = {"Status": status, "Input": json.dumps({"Items": items, "BatchInput": {"bucket": BUCKET}})}
    if images is not None:
        child["Output"] = json.dumps({"images": images})
    else:
        child.update(Error="States.Timeout", Cause="the child timed out")
    return child


def test_counts_labels_failures_and_one_manifest_line_per_image(resources) -> None:
    s3 = boto3.client("s3")
    succeeded = [
        _child(
            "SUCCEEDED",
            [
                {
                    "image": "s3://b/1.png",
                    "status": "ANALYSED",
                    "labels": [{"name": "cat", "confidence": 90}],
                },
                {"image": "s3://b/2.png", "status": "SKIPPED", "labels": [{"name": "cat"}, {"name": "dog"}]},
                {"image": "s3://b/n.txt", "status": "IGNORED"},
                {"image": "s3://b/3.png", "status": "FAILED", "code": "INVALID_IMAGE", "reason": "tiny"},
            ],
            [],
        ),
    ]
    failed = [_child("FAILED", None, [{"Key": "4.png"}, {"Key": "5.png"}])]
    s3.put_object(Bucket=BUCKET, Key="batches/e1/map/u/SUCCEEDED_0.json", Body=json.dumps(succeeded).encode())
    s3.put_object(Bucket=BUCKET, Key="batches/e1/map/u/FAILED_0.json", Body=json.dumps(failed).encode())
    manifest = {
        "DestinationBucket": BUCKET,
        "ResultFiles": {
            "SUCCEEDED": [{"Key": "batches/e1/map/u/SUCCEEDED_0.json"}],
            "FAILED": [{"Key": "batches/e1/map/u/FAILED_0.json"}],
            "PENDING": [],
        },
    }
    s3.put_object(Bucket=BUCKET, Key="batches/e1/map/u/manifest.json", Body=json.dumps(manifest).encode())
    event = {
        "map": {"ResultWriterDetails": {"Bucket": BUCKET, "Key": "batches/e1/map/u/manifest.json"}},
        "settings": {"outputBucket": BUCKET, "outputPrefix": "batches/e1", "source": "s3://b/"},
        "model": MODEL,
        "startedAt": "2026-01-01T00:00:00.000Z",
        "executionName": "e1",
    }
    summary = summarise(event, s3, now=datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC))
    assert summary["images"] == {"total": 5, "analysed": 1, "skipped": 1, "failed": 3, "notImages": 1}
    assert summary["labels"] == {"cat": 2, "dog": 1}
    assert summary["failures"]["reasons"] == {"INVALID_IMAGE": 1, "CHILD_WORKFLOW_FAILED": 2}
    assert "States.Timeout: the child timed out" in summary["failures"]["examples"][1]["reason"]
    assert summary["imagesPerSecond"] == 0.5 and summary["modelVersion"] == {
        "name": "widgets.v1",
        "arn": "arn:model",
    }
    lines = s3.get_object(Bucket=BUCKET, Key="batches/e1/results.jsonl")["Body"].read().decode().splitlines()
    assert [json.loads(line)["image"] for line in lines] == [
        "s3://b/1.png",
        "s3://b/2.png",
        "s3://b/3.png",
        f"s3://{BUCKET}/4.png",
        f"s3://{BUCKET}/5.png",
    ]
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key="batches/e1/summary.json")["Body"].read())
    assert stored["images"] == summary["images"] and "message" not in stored
