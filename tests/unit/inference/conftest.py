from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.fixtures.tables import create_registry_table, create_table

REGION = "us-east-1"
BUCKET = "inference-bucket"
RESULTS_TABLE = "results"
IDEMPOTENCY_TABLE = "idempotency"
REGISTRY_TABLE = "registry"
PROJECT = "widgets"
MODEL_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/widgets/version/widgets.v1/1700000000000"


@pytest.fixture
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def resources(mocked_aws: None) -> dict[str, Any]:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    dynamodb = boto3.client("dynamodb")
    create_table(dynamodb, RESULTS_TABLE, [("image", "HASH"), ("version", "RANGE")])
    create_table(dynamodb, IDEMPOTENCY_TABLE, [("id", "HASH")])
    create_registry_table(dynamodb, REGISTRY_TABLE)
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="uploads",
        Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "3"}}'},
    )["QueueUrl"]
    return {"s3": s3, "sqs": sqs, "queue_url": queue, "dlq_url": dlq}


def s3_event(key: str, etag: str, size: int, *, version_id: str | None = None) -> dict[str, Any]:
    """What S3 puts in the queue: the key URL-encoded (quote_plus), as real S3 and moto do."""
    from urllib.parse import quote_plus

    obj: dict[str, Any] = {"key": quote_plus(key), "size": size, "eTag": etag}
    if version_id:
        obj["versionId"] = version_id
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": "2026-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": BUCKET}, "object": obj},
            }
        ]
    }


def upload(s3: Any, key: str, body: bytes) -> dict[str, Any]:
    """Put the object and return the event S3 would send for it."""
    response = s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3_event(key, response["ETag"].strip('"'), len(body), version_id=response.get("VersionId"))


def env(queue_url: str, **overrides: str) -> dict[str, str]:
    return {
        "PROJECT_NAME": PROJECT,
        "QUEUE_URL": queue_url,
        "RESULTS_TABLE_NAME": RESULTS_TABLE,
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "REGISTRY_TABLE_NAME": REGISTRY_TABLE,
        "MIN_CONFIDENCE": "",
        "ON_MODEL_STOPPED": "start",
        "CHAMPION_CACHE_SECONDS": "60",
        "DETECT_CONCURRENCY": "4",
        "MIN_INFERENCE_UNITS": "1",
        "MAX_INFERENCE_UNITS": "1",
        "MODEL_RETRY_SECONDS": "5",
        "BATCH_STATE_MACHINE_ARN": f"arn:aws:states:{REGION}:123456789012:stateMachine:test-BatchAnalysis",
        "INFERENCE_BUCKET_NAME": BUCKET,
        **overrides,
    }


os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CustomLabelsPipeline")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "customlabels")
