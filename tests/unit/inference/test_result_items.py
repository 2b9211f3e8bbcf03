"""ResultItems against a stubbed DynamoDB: batch limits, unprocessed keys and items sent again."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber

from customlabels.inference.errors import TransientProblem
from customlabels.inference.result_items import ResultItems, portable, restored

TABLE = "results"


def key(index: int) -> dict:
    """As the table resource takes it (the stub sees parameters before they are serialised)."""
    return {"image": f"s3://b/{index}.png", "version": "v1"}


def item(index: int) -> dict:
    return {**key(index), "status": "SUCCEEDED"}


def wire(value: dict) -> dict:
    """As DynamoDB answers (the resource deserialises the stub's response)."""
    return {name: {"S": text} for name, text in value.items()}


@pytest.fixture
def dynamodb():
    resource = boto3.resource(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(resource.meta.client) as stub:
        yield resource, stub
        stub.assert_no_pending_responses()


def test_keys_are_read_100_a_call_and_unprocessed_keys_are_asked_again(dynamodb) -> None:
    resource, stub = dynamodb
    sleeps: list[float] = []
    first, rest = [key(i) for i in range(100)], [key(i) for i in range(100, 130)]
    stub.add_response(
        "batch_get_item",
        {"Responses": {TABLE: [wire(item(0))]}, "UnprocessedKeys": {TABLE: {"Keys": [wire(key(1))]}}},
        {"RequestItems": {TABLE: {"Keys": first}}},
    )
    stub.add_response(
        "batch_get_item",
        {"Responses": {TABLE: [wire(item(1))]}},
        {"RequestItems": {TABLE: {"Keys": [key(1)]}}},
    )
    stub.add_response("batch_get_item", {"Responses": {TABLE: []}}, {"RequestItems": {TABLE: {"Keys": rest}}})
    wanted = [(f"s3://b/{i}.png", "v1") for i in range(130)] + [("s3://b/0.png", "v1")]
    found = ResultItems(resource, TABLE, sleep=sleeps.append).existing(wanted)
    assert sorted(found) == [("s3://b/0.png", "v1"), ("s3://b/1.png", "v1")]
    assert found[("s3://b/1.png", "v1")]["status"] == "SUCCEEDED"
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 16


def test_items_are_written_25_a_call_and_unprocessed_items_are_sent_again(dynamodb) -> None:
    resource, stub = dynamodb
    sleeps: list[float] = []
    puts = [{"PutRequest": {"Item": item(i)}} for i in range(27)]
    unprocessed = [{"PutRequest": {"Item": wire(item(i))}} for i in (3, 4)]
    stub.add_response(
        "batch_write_item", {"UnprocessedItems": {TABLE: unprocessed}}, {"RequestItems": {TABLE: puts[:25]}}
    )
    stub.add_response("batch_write_item", {}, {"RequestItems": {TABLE: puts[3:5]}})
    stub.add_response("batch_write_item", {}, {"RequestItems": {TABLE: puts[25:]}})
    items = [{"image": f"s3://b/{i}.png", "version": "v1", "status": "SUCCEEDED"} for i in range(27)]
    ResultItems(resource, TABLE, sleep=sleeps.append).write(items)
    assert len(sleeps) == 1


def test_items_still_unprocessed_after_the_last_attempt_fail_the_batch(dynamodb) -> None:
    resource, stub = dynamodb
    sleeps: list[float] = []
    puts = [{"PutRequest": {"Item": item(0)}}]
    for _ in range(8):  # a new response each time: the resource deserialises it in place
        unprocessed = [{"PutRequest": {"Item": wire(item(0))}}]
        stub.add_response(
            "batch_write_item", {"UnprocessedItems": {TABLE: unprocessed}}, {"RequestItems": {TABLE: puts}}
        )
    items = [{"image": "s3://b/0.png", "version": "v1", "status": "SUCCEEDED"}]
    with pytest.raises(TransientProblem, match="1 items unprocessed after 8 attempts"):
        ResultItems(resource, TABLE, sleep=sleeps.append).write(items)
    assert len(sleeps) == 7


def test_a_row_survives_its_idempotency_records_json() -> None:
    row = {
        "image": "s3://b/a.png",
        "version": "v1",
        "labelCount": 2,
        "confidences": {"cat": Decimal("97.125")},
        "labels": ["cat", "dog"],
        "document": gzip.compress(b'{"status": "SUCCEEDED"}'),
    }
    back = restored(json.loads(json.dumps(portable(row))))
    assert {**back, "document": back["document"].value} == row
