"""The Distributed Map pieces local/distributed_map.py adds to moto's interpreter, on moto in-process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from local import distributed_map

BUCKET = "items"
ROLE = "arn:aws:iam::123456789012:role/machine"


@pytest.fixture
def map_clients() -> Iterator[dict[str, Any]]:
    distributed_map.install()
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket=BUCKET)
            yield {"s3": s3, "sfn": boto3.client("stepfunctions", region_name="us-east-1")}
    finally:
        distributed_map.uninstall()


def _machine(reader: dict[str, Any], tolerated: int = 0) -> dict[str, Any]:
    child = {
        "StartAt": "FailOnBad?",
        "States": {
            "FailOnBad?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Items[0].bad", "IsPresent": True, "Next": "Bad"}],
                "Default": "Count",
            },
            "Bad": {"Type": "Fail", "Error": "BadItem", "Cause": "the first item is bad"},
            "Count": {
                "Type": "Pass",
                "Parameters": {"size.$": "States.ArrayLength($.Items)", "tag.$": "$.BatchInput.tag"},
                "End": True,
            },
        },
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    }
    return {
        "StartAt": "Analyse",
        "States": {
            "Analyse": {
                "Type": "Map",
                "ItemReader": reader,
                "ItemBatcher": {"MaxItemsPerBatch": 100, "BatchInput": {"tag.$": "$.tag"}},
                "ItemProcessor": child,
                "MaxConcurrency": 3,
                "ToleratedFailurePercentage": tolerated,
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": BUCKET, "Prefix.$": "$.out"},
                },
                "ResultPath": "$.map",
                "End": True,
            }
        },
    }


def _run(map_clients: dict[str, Any], definition: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    sfn = map_clients["sfn"]
    arn = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return described


def _results(map_clients: dict[str, Any], details: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    s3 = map_clients["s3"]
    manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
    return {
        status: [
            child
            for entry in files
            for child in json.loads(s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read())
        ]
        for status, files in manifest["ResultFiles"].items()
    }


def test_every_page_of_a_prefix_is_batched_and_every_childs_result_is_written(map_clients) -> None:
    store = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]  # 1,234 objects straight into moto: a second, not 10
    for index in range(1234):
        store.put_object(BUCKET, f"images/{index:05d}.png", b"x")
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": BUCKET, "Prefix": "images/"},
    }
    described = _run(map_clients, _machine(reader), {"tag": "t1", "out": "batches/run1"})
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["tag"] == "t1"  # the Map's ResultPath merged into the state's own input
    details = output["map"]["ResultWriterDetails"]
    assert details["Key"].startswith("batches/run1/") and details["Key"].endswith("/manifest.json")
    results = _results(map_clients, details)
    assert results["FAILED"] == [] and len(results["SUCCEEDED"]) == 13
    sizes = sorted(json.loads(child["Output"])["size"] for child in results["SUCCEEDED"])
    assert sizes == [34] + [100] * 12
    keys = [item["Key"] for child in results["SUCCEEDED"] for item in json.loads(child["Input"])["Items"]]
    assert sorted(keys) == [f"images/{index:05d}.png" for index in range(1234)]
    assert {json.loads(child["Output"])["tag"] for child in results["SUCCEEDED"]} == {"t1"}


def test_a_json_lines_manifest_is_read_line_by_line(map_clients) -> None:
    lines = [json.dumps({"source-ref": f"s3://{BUCKET}/{index}.png"}) for index in range(150)]
    map_clients["s3"].put_object(Bucket=BUCKET, Key="a.manifest", Body=("\n".join(lines) + "\n\n").encode())
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket": BUCKET, "Key": "a.manifest"},
    }
    described = _run(map_clients, _machine(reader), {"tag": "t2", "out": "batches/run2"})
    assert described["status"] == "SUCCEEDED", described
    results = _results(map_clients, json.loads(described["output"])["map"]["ResultWriterDetails"])
    assert sorted(json.loads(child["Output"])["size"] for child in results["SUCCEEDED"]) == [50, 100]


def test_more_failed_children_than_tolerated_fail_the_map_and_are_written_with_their_error(
    map_clients,
) -> None:
    lines = [json.dumps({"n": index, **({"bad": True} if index == 100 else {})}) for index in range(300)]
    map_clients["s3"].put_object(Bucket=BUCKET, Key="b.jsonl", Body="\n".join(lines).encode())
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket": BUCKET, "Key": "b.jsonl"},
    }
    tolerant = _run(map_clients, _machine(reader, tolerated=34), {"tag": "t3", "out": "batches/run3"})
    assert tolerant["status"] == "SUCCEEDED", tolerant  # 1 of 3 children failed: 33% <= 34%
    failed = _results(map_clients, json.loads(tolerant["output"])["map"]["ResultWriterDetails"])["FAILED"]
    assert [(child["Error"], child["Cause"]) for child in failed] == [("BadItem", "the first item is bad")]
    assert json.loads(failed[0]["Input"])["Items"][0]["n"] == 100

    strict = _run(map_clients, _machine(reader, tolerated=30), {"tag": "t3", "out": "batches/run4"})
    assert strict["status"] == "FAILED"
    assert strict["error"] == "States.ExceedToleratedFailureThreshold"


def test_map_runs_of_an_execution_not_yet_set_up_are_none_rather_than_an_error() -> None:
    class NotStarted:
        exec_worker = None

    class Backend:
        def describe_execution(self, execution_arn: str) -> NotStarted:
            return NotStarted()

    assert distributed_map._list_map_runs(Backend(), "arn:execution") == {"mapRuns": []}
