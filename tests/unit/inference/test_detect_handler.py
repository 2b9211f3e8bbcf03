"""The detect handler end to end on moto (S3, SQS, DynamoDB) with Rekognition stubbed."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

from customlabels.inference.batch import Detector
from customlabels.training.registry import Registry
from handlers import detect
from tests.fixtures.videos import encode, solid
from tests.unit.inference import images
from tests.unit.inference.conftest import MODEL_ARN, PROJECT, REGISTRY_TABLE, env, upload
from tests.unit.inference.test_analyzer import CLASSIFICATION, Harness


class Context:
    function_name = "detect"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:detect"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def harness(resources, monkeypatch: pytest.MonkeyPatch) -> Harness:
    for name, value in env(resources["queue_url"], DETECT_CONCURRENCY="3").items():
        monkeypatch.setenv(name, value)
    detector = Detector(os.environ)
    monkeypatch.setattr(detect, "DETECTOR", detector)
    Registry(REGISTRY_TABLE).table.put_item(
        Item={"project": PROJECT, "sk": "CHAMPION", "versionName": "widgets.v1", "versionArn": MODEL_ARN}
    )
    harness = Harness(documents_in_rows=True)  # as the detect function has it
    detector.analyzer = harness.analyzer
    harness.queue_url = resources["queue_url"]
    harness.sqs = resources["sqs"]
    return harness


def deliver(harness: Harness, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send the events through the real queue and receive them as Lambda's poller would."""
    for event in events:
        harness.sqs.send_message(QueueUrl=harness.queue_url, MessageBody=json.dumps(event))
    messages = harness.sqs.receive_message(
        QueueUrl=harness.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=300
    )["Messages"]
    return [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads",
            "awsRegion": "us-east-1",
        }
        for m in messages
    ]


def emitted_metrics(capsys) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric documents the handler printed."""
    lines = capsys.readouterr().out.splitlines()
    return [document for document in map(json.loads, lines) if "_aws" in document]


def test_partial_batch_failure_reports_only_the_throttled_message(harness: Harness, capsys) -> None:
    good = upload(harness.s3, "uploads/good one.png", images.png())
    throttled = upload(harness.s3, "uploads/busy.png", images.png())
    records = deliver(harness, [good, throttled])
    by_key = {json.loads(r["body"])["Records"][0]["s3"]["object"]["key"]: r for r in records}
    # records run concurrently: answer by key rather than by call order
    harness.stub.deactivate()

    def detect_custom_labels(**request: Any) -> dict[str, Any]:
        if request["Image"]["S3Object"]["Name"] == "uploads/busy.png":
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "DetectCustomLabels")
        return {"CustomLabels": [CLASSIFICATION]}

    harness.rekognition.detect_custom_labels = detect_custom_labels

    response = detect.handler({"Records": records}, Context())

    assert response == {"batchItemFailures": [{"itemIdentifier": by_key["uploads%2Fbusy.png"]["messageId"]}]}
    assert list(harness.row_documents()) == ["results/good one.png.json"]
    assert harness.result_keys() == []  # the result-document writer PUTs it from the table's stream
    # the throttled message was hidden for a back-off delay (1-2 s on a first receive), not 300 s
    retried = harness.sqs.receive_message(QueueUrl=harness.queue_url, WaitTimeSeconds=3)
    assert [m["MessageId"] for m in retried["Messages"]] == [by_key["uploads%2Fbusy.png"]["messageId"]]
    detections = [m for m in emitted_metrics(capsys) if "Detections" in m]
    assert [(m["Detections"], m["VersionName"], m["ProjectName"]) for m in detections] == [
        ([1.0], "widgets.v1", PROJECT)
    ]


def test_duplicate_events_for_one_image_version_produce_one_result(harness: Harness, capsys) -> None:
    event = upload(harness.s3, "uploads/twice.jpg", images.jpeg())
    harness.stub.deactivate()
    calls = []
    harness.rekognition.detect_custom_labels = lambda **request: calls.append(request) or {"CustomLabels": []}

    first = detect.handler({"Records": deliver(harness, [event])}, Context())
    second = detect.handler({"Records": deliver(harness, [event])}, Context())

    assert first == second == {"batchItemFailures": []}
    assert len(calls) == 1
    assert list(harness.row_documents()) == ["results/twice.jpg.json"]
    invocations = [m for m in emitted_metrics(capsys) if "ImagesAnalysed" in m]
    assert [m.get("DuplicateEvents") for m in invocations] == [None, [1.0]]


def test_a_malformed_message_fails_so_it_reaches_the_dead_letter_queue(harness: Harness) -> None:
    records = deliver(harness, [{"not": "an s3 event"}])
    response = detect.handler({"Records": records}, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}


def test_throughput_exceeded_is_counted_for_the_throttling_alarm(harness: Harness, capsys) -> None:
    records = deliver(harness, [upload(harness.s3, "uploads/rush.png", images.png())])
    harness.stub.deactivate()

    def detect_custom_labels(**request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "DetectCustomLabels")

    harness.rekognition.detect_custom_labels = detect_custom_labels

    response = detect.handler({"Records": records}, Context())

    assert len(response["batchItemFailures"]) == 1
    counted = [m["ThroughputExceeded"] for m in emitted_metrics(capsys) if "ThroughputExceeded" in m]
    assert counted == [[1.0]]


def test_a_video_in_the_batch_takes_the_video_path_and_an_image_the_image_path(harness: Harness) -> None:
    body = encode([solid((200, 0, 0)), solid((0, 200, 0))])
    clip = upload(harness.s3, "uploads/clips/two seconds.MP4", body)
    picture = upload(harness.s3, "uploads/still.png", images.png())
    harness.stub.deactivate()
    calls: list[str] = []

    def detect_custom_labels(**request: Any) -> dict[str, Any]:
        calls.append("Bytes" if "Bytes" in request["Image"] else request["Image"]["S3Object"]["Name"])
        return {"CustomLabels": [CLASSIFICATION]}

    harness.rekognition.detect_custom_labels = detect_custom_labels

    response = detect.handler({"Records": deliver(harness, [clip, picture])}, Context())

    assert response == {"batchItemFailures": []}
    assert sorted(calls) == ["Bytes", "Bytes", "uploads/still.png"]  # one call per sampled frame
    assert harness.result_keys() == ["results/clips/two seconds.MP4.json"]  # a video's is PUT at once
    assert list(harness.row_documents()) == ["results/still.png.json"]
    video = harness.result("results/clips/two seconds.MP4.json")
    assert [entry["timestampMs"] for entry in video["timeline"]] == [0, 1000]
    assert video["segments"] == [
        {"label": "indoor", "startMs": 0, "endMs": 1000, "frames": 2, "maxConfidence": 77.0}
    ]


def test_a_row_lost_with_its_invocation_is_written_by_the_redelivery(harness: Harness, monkeypatch) -> None:
    event = upload(harness.s3, "uploads/lost.png", images.png())
    harness.stub.deactivate()
    harness.rekognition.detect_custom_labels = lambda **request: {"CustomLabels": [CLASSIFICATION]}
    records = deliver(harness, [event])
    # the invocation ends (a timeout) after the image's idempotency record, before the batch's rows
    with monkeypatch.context() as patched:
        patched.setattr(Detector, "_write_rows", lambda self, processed: None)
        detect.handler({"Records": records}, Context())
    assert harness.row_documents() == {}

    response = detect.handler({"Records": records}, Context())

    assert response == {"batchItemFailures": []}
    [document] = harness.row_documents().values()
    assert document["labels"] == [{"name": "indoor", "confidence": 77.0}]


def test_a_redelivery_does_not_put_back_a_row_written_since(harness: Harness) -> None:
    event = upload(harness.s3, "uploads/done.png", images.png())
    harness.stub.deactivate()
    harness.rekognition.detect_custom_labels = lambda **request: {"CustomLabels": [CLASSIFICATION]}
    records = deliver(harness, [event])
    detect.handler({"Records": records}, Context())
    [row] = harness.table.scan()["Items"]
    key = {"image": row["image"], "version": row["version"]}
    harness.table.update_item(Key=key, UpdateExpression="REMOVE document")  # the writer's last step

    detect.handler({"Records": records}, Context())

    assert "document" not in harness.table.get_item(Key=key)["Item"]
