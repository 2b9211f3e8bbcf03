"""Concurrent DynamoDB writes on the local endpoint keep every increment and every condition, as in AWS
(local/dynamodb_writes.py): a shadow test's comparison counter and Powertools' idempotency records rely
on both."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto import mock_aws

from local import dynamodb_writes
from local.patches import remove

THREADS, EACH = 8, 60
KEY = {"pk": {"S": "counter"}}
ONE = {":one": {"N": "1"}}


@pytest.fixture
def table() -> Iterator[object]:
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over often, as a loaded endpoint does
    dynamodb_writes.install()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            client.create_table(
                TableName="t",
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            )
            yield client
    finally:
        sys.setswitchinterval(switch)
        remove(dynamodb_writes.PATCHES)


def _in_threads(call) -> list:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda _: call(), range(THREADS * EACH)))


def test_concurrent_atomic_counter_updates_lose_no_increment(table) -> None:
    _in_threads(
        lambda: table.update_item(
            TableName="t", Key=KEY, UpdateExpression="ADD n :one", ExpressionAttributeValues=ONE
        )
    )
    item = table.get_item(TableName="t", Key=KEY, ConsistentRead=True)["Item"]
    assert int(item["n"]["N"]) == THREADS * EACH


def test_of_concurrent_conditional_puts_of_one_item_exactly_one_succeeds(table) -> None:
    failed = table.exceptions.ConditionalCheckFailedException

    def put() -> bool:
        try:
            table.put_item(TableName="t", Item=KEY, ConditionExpression="attribute_not_exists(pk)")
        except failed:
            return False
        return True

    assert sum(_in_threads(put)) == 1
