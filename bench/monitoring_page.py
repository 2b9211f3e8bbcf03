"""The console's Monitoring page as a shadow test's comparisons grow: the whole page (Flask's test client:
the drift report, the alarm, GetMetricData, the shadow report) with 2,000 comparison records stored,
loaded the first time (every record read) against a reload after 20 more were compared (only those read,
`ComparisonCache`), in the same process on moto. The GETs each load makes are the figure that carries
over to AWS, where a GET costs a round trip."""

from __future__ import annotations

import json
import os
import time

import boto3
from moto import mock_aws

from customlabels_cli.console.app import create_app
from customlabels_cli.support.stack import Stack
from tests.fixtures.tables import create_registry_table

MANY, MORE = 2000, 20
OUTPUTS = {"RegistryTableName": "registry", "DriftAlarmName": "drift", "InferenceBucketName": "inference"}


def _compare(s3, indices: range) -> None:
    for index in indices:
        record = {
            "image": f"s3://inference/uploads/b/{index:05d}.png",
            "champion": {"labels": ["3"]},
            "challenger": {"labels": ["3" if index % 4 else "8"]},
        }
        s3.put_object(
            Bucket="inference",
            Key=f"shadow/p/v2/uploads/b/{index:05d}.png#1.json",
            Body=json.dumps(record).encode(),
        )


def _load(client) -> float:
    started = time.perf_counter()
    page = client.get("/monitoring").get_data(as_text=True)
    assert 'id="shadow-compared"' in page
    return time.perf_counter() - started


def run() -> None:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    with mock_aws():
        create_registry_table(boto3.resource("dynamodb"))
        boto3.resource("dynamodb").Table("registry").put_item(
            Item={
                "project": "p",
                "sk": "SHADOW",
                "versionName": "v2",
                "versionArn": "arn",
                "sample": 1,
                "status": "ACTIVE",
                "startedAt": "2026-12-07T10:00:00+00:00",
            }
        )
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="inference")
        _compare(s3, range(MANY))
        stack = Stack(OUTPUTS, "p", boto3.Session())
        reads: list[str] = []
        stack.client("s3").meta.events.register(
            "provide-client-params.s3.GetObject", lambda params, **_: reads.append(params["Key"])
        )
        client = create_app(stack, "bench").test_client()
        first = _load(client)
        first_reads = len(reads)
        _compare(s3, range(MANY, MANY + MORE))
        again = _load(client)
    print(
        f"Monitoring page, {MANY} comparisons: first load {first * 1000:.0f} ms ({first_reads} GETs); "
        f"reload with {MORE} more: {again * 1000:.0f} ms ({len(reads) - first_reads} GETs)"
    )
    print(f"Monitoring page reload / first load ratio: {again / first:.2f}x")
