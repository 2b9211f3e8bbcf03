"""The result-document writer per stream record (gunzip, PUT to resultUri, conditional REMOVE of the
item's document) as a ratio to one bare boto3 PutObject in the same process, both on moto in-process.
The writer is off the detect path (docs/result-documents.md): the figure says what each upload costs
there instead, about two AWS calls' worth."""

from __future__ import annotations

import base64
import gzip
import json
import os
import time
from types import SimpleNamespace

import boto3
from moto import mock_aws

from customlabels.inference.result_documents import ResultDocumentStream

RECORDS = 200
BATCH = 100  # the mapping's batch size (infra/result_documents.py)
BUCKET = "bench-inference"
TABLE = "results"


def _body(index: int) -> bytes:
    labels = [{"name": f"label-{n}", "confidence": 90.0 - n} for n in range(5)]
    return json.dumps({"image": {"key": f"uploads/{index}.png"}, "labels": labels}, indent=2).encode()


def _item(index: int) -> dict[str, dict[str, str]]:
    return {
        "image": {"S": f"s3://{BUCKET}/uploads/{index}.png"},
        "version": {"S": "v1"},
        "finishedAt": {"S": "2026-01-01T00:00:00.000Z"},
        "resultUri": {"S": f"s3://{BUCKET}/results/{index}.png.json"},
    }


def _record(index: int, document: bytes) -> dict[str, object]:
    image = {**_item(index), "document": {"B": base64.b64encode(document).decode()}}
    return {"eventName": "INSERT", "dynamodb": {"NewImage": image, "SequenceNumber": str(index)}}


def run() -> None:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    with mock_aws():
        s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket=BUCKET)
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "image", "KeyType": "HASH"},
                {"AttributeName": "version", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("image", "version")],
        )
        records = []
        for index in range(RECORDS):
            document = gzip.compress(_body(index))
            dynamodb.put_item(TableName=TABLE, Item={**_item(index), "document": {"B": document}})
            records.append(_record(index, document))
        stream = ResultDocumentStream({"RESULTS_TABLE_NAME": TABLE})
        context = SimpleNamespace(function_name="bench", aws_request_id="bench")
        started = time.perf_counter()
        for start in range(0, RECORDS, BATCH):
            failures = stream.run({"Records": records[start : start + BATCH]}, context)["batchItemFailures"]
            assert not failures, failures
        per_record = (time.perf_counter() - started) / RECORDS
        started = time.perf_counter()
        for index in range(RECORDS):
            s3.put_object(Bucket=BUCKET, Key=f"bare/{index}.json", Body=_body(index))
        bare = (time.perf_counter() - started) / RECORDS
    print(f"result-document writer per record: {per_record * 1000:.2f} ms")
    print(f"bare boto3 call (s3.put_object):   {bare * 1000:.2f} ms")
    print(f"writer ratio: {per_record / bare:.1f}x a bare call (off the detect path)")
