"""The result-document writer on moto: stream records of results-table rows -> S3 objects."""

from __future__ import annotations

import base64
import gzip
import importlib
import json
import logging
import os
from types import ModuleType
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

from customlabels.inference.result_documents import ResultDocumentStream
from tests.fixtures.tables import create_results_table
from tests.unit.inference.conftest import BUCKET, RESULTS_TABLE
from tests.unit.inference.test_detect_handler import Context

IMAGE = f"s3://{BUCKET}/uploads/cats/1.jpg"
RESULT_URI = f"s3://{BUCKET}/results/cats/1.jpg.json"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{RESULTS_TABLE}"


def body(labels: list[str]) -> bytes:
    """An S3 object body as the detect function makes it (non-ASCII kept, indented)."""
    document = {"labels": [{"name": name, "confidence": 91.5} for name in labels]}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def row(finished_at: str, document: bytes | None, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "image": IMAGE,
        "version": "v-1",
        "status": "SUCCEEDED",
        "finishedAt": finished_at,
        "resultUri": RESULT_URI,
        **overrides,
    }
    if document is not None:
        item["document"] = document
    return item


def record(item: dict[str, Any], sequence: str, event_name: str = "INSERT") -> dict[str, Any]:
    """A DynamoDB stream record as Lambda delivers it: DynamoDB JSON, Binary values base64 text."""
    image = {name: TypeSerializer().serialize(value) for name, value in item.items()}
    for value in image.values():
        if "B" in value:
            value["B"] = base64.b64encode(bytes(value["B"])).decode()
    return {
        "eventID": sequence,
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"image": {"S": item["image"]}, "version": {"S": item["version"]}},
            "NewImage": image,
            "SequenceNumber": sequence,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": f"{TABLE_ARN}/stream/2026-01-01T00:00:00.000",
    }


@pytest.fixture
def writer(mocked_aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("RESULTS_TABLE_NAME", RESULTS_TABLE)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    create_results_table(boto3.client("dynamodb"), RESULTS_TABLE)
    module = importlib.import_module("handlers.write_result_documents")
    monkeypatch.setattr(module, "STREAM", ResultDocumentStream(os.environ))  # clients made under moto
    return module


def table() -> Any:
    return boto3.resource("dynamodb").Table(RESULTS_TABLE)


def stored(item: dict[str, Any]) -> dict[str, Any]:
    table().put_item(Item=item)
    return item


def run(writer: ModuleType, *records: dict[str, Any]) -> list[str]:
    """The sequence numbers the handler reports as failed."""
    response = writer.handler({"Records": list(records)}, Context())
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def current_row() -> dict[str, Any]:
    return table().get_item(Key={"image": IMAGE, "version": "v-1"})["Item"]


def result_object() -> dict[str, Any]:
    return boto3.client("s3").get_object(Bucket=BUCKET, Key="results/cats/1.jpg.json")


def test_a_rows_document_lands_at_its_result_uri_and_leaves_the_row(writer: ModuleType) -> None:
    expected = body(["chat noir", "ça"])
    item = stored(row("2026-01-01T00:00:01.000Z", gzip.compress(expected)))

    assert run(writer, record(item, "100")) == []

    written = result_object()
    assert written["Body"].read() == expected
    assert written["ContentType"] == "application/json"
    left = current_row()
    assert "document" not in left
    assert left["resultUri"] == RESULT_URI and left["status"] == "SUCCEEDED"


def test_a_newer_write_of_the_row_keeps_its_own_document(writer: ModuleType) -> None:
    newer_document = gzip.compress(body(["new"]))
    older = row("2026-01-01T00:00:01.000Z", gzip.compress(body(["old"])))
    newer = stored(row("2026-01-01T00:00:02.000Z", newer_document))

    assert run(writer, record(older, "100")) == []
    assert bytes(current_row()["document"].value) == newer_document

    assert run(writer, record(newer, "101", "MODIFY")) == []
    assert result_object()["Body"].read() == body(["new"])
    assert "document" not in current_row()


def emitted_metrics(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_a_bad_record_fails_alone_and_says_which_row_and_why(
    writer: ModuleType, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # by module, not logger name: the Powertools child logger's name depends on the service name
    # another test may have set
    caplog.set_level(logging.ERROR)
    good = stored(row("2026-01-01T00:00:01.000Z", gzip.compress(body(["cat"]))))
    not_gzip = row("2026-01-01T00:00:01.000Z", b"{}", image=f"s3://{BUCKET}/uploads/cats/2.jpg")
    not_s3 = row(
        "2026-01-01T00:00:01.000Z",
        gzip.compress(body(["dog"])),
        image=f"s3://{BUCKET}/uploads/cats/3.jpg",
        resultUri="https://example.com/results/3.json",
    )

    failed = run(writer, record(not_gzip, "100"), record(good, "101"), record(not_s3, "102"))

    assert failed == ["100", "102"]
    assert result_object()["Body"].read() == body(["cat"])
    assert "document" not in current_row()
    not_gzip_line, not_s3_line = [r.getMessage() for r in caplog.records if r.module == "result_documents"]
    assert "uploads/cats/2.jpg" in not_gzip_line and "not gzip-compressed" in not_gzip_line
    assert "uploads/cats/3.jpg" in not_s3_line and "https://example.com/results/3.json" in not_s3_line
    [metrics] = emitted_metrics(capsys.readouterr().out)
    assert metrics["ResultDocumentsWritten"] == [1.0]  # the one good record, one value a batch


def test_a_document_s3_refuses_is_a_failure_of_that_record(writer: ModuleType) -> None:
    elsewhere = stored(
        row("2026-01-01T00:00:01.000Z", gzip.compress(body(["cat"])), resultUri="s3://no-such-bucket/r.json")
    )

    assert run(writer, record(elsewhere, "100")) == ["100"]
    assert "document" in current_row()


def test_a_record_without_a_document_is_skipped(writer: ModuleType) -> None:
    assert run(writer, record(row("2026-01-01T00:00:01.000Z", None), "100", "MODIFY")) == []
    with pytest.raises(boto3.client("s3").exceptions.NoSuchKey):
        result_object()
