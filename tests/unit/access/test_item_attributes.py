"""dynamodb:Attributes and dynamodb:ReturnValues of UpdateItem on the local endpoint: a policy that
lists the attributes a person may touch lets them update those only, as DynamoDB's fine-grained access
control decides (the condition expression's attributes count too)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from local.access.item_attributes import update_item_attributes
from local.endpoint import LocalEndpoint
from tests.fixtures.tables import RESULTS_KEYS, create_table
from tests.unit.access.test_endpoint_authorization import ACCOUNT, REGION, Endpoint

TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/results"
KEY = {"image": {"S": "s3://b/uploads/1.png"}, "version": {"S": "v1"}}
ALLOWED = ["image", "version", "documentResends", "document"]


@pytest.fixture(scope="module")
def dynamodb() -> Iterator:
    with LocalEndpoint(reset=True) as running:
        endpoint = Endpoint(running.url)
        admin = endpoint.client("dynamodb")
        create_table(admin, "results", RESULTS_KEYS)
        admin.put_item(TableName="results", Item={**KEY, "document": {"B": b"gz"}, "status": {"S": "OK"}})
        person = endpoint.role("operator", {
            "Effect": "Allow", "Resource": TABLE, "Action": "dynamodb:UpdateItem",
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ALLOWED},
                          "StringEqualsIfExists": {"dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"]}},
        })  # fmt: skip
        yield person.client("dynamodb", endpoint_url=running.url)


def _code(call) -> str | None:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def _update(dynamodb, expression: str, condition: str | None = None, **more):
    used = set(re.findall(r"#\w+", f"{expression} {condition or ''}"))
    names = {placeholder: placeholder[1:] for placeholder in used}
    params = {"TableName": "results", "Key": KEY, "UpdateExpression": expression, **more}
    if condition:
        params["ConditionExpression"] = condition
    if names:
        params["ExpressionAttributeNames"] = names
    return lambda: dynamodb.update_item(**params)


def test_an_update_of_the_listed_attributes_is_allowed(dynamodb) -> None:
    one = {":one": {"N": "1"}}
    resend = _update(dynamodb, "ADD #documentResends :one", "attribute_exists(#document)",
                     ExpressionAttributeValues=one)  # fmt: skip
    assert _code(resend) is None
    assert _code(_update(dynamodb, "ADD #documentResends :one", ExpressionAttributeValues=one,
                         ReturnValues="UPDATED_NEW")) is None  # fmt: skip


def test_an_update_naming_another_attribute_is_denied(dynamodb) -> None:
    rewrite = _update(dynamodb, "SET #status = :s", ExpressionAttributeValues={":s": {"S": "X"}})
    assert _code(rewrite) == "AccessDeniedException"


def test_an_attribute_named_only_in_the_condition_counts(dynamodb) -> None:
    conditioned = _update(dynamodb, "ADD #documentResends :one", "#finishedAt = :f",
                          ExpressionAttributeValues={":one": {"N": "1"}, ":f": {"S": "t"}})  # fmt: skip
    assert _code(conditioned) == "AccessDeniedException"


def test_return_values_that_read_the_whole_item_are_denied(dynamodb) -> None:
    read_all = _update(dynamodb, "ADD #documentResends :one", ExpressionAttributeValues={":one": {"N": "1"}},
                       ReturnValues="ALL_OLD")  # fmt: skip
    assert _code(read_all) == "AccessDeniedException"


def test_the_attributes_are_the_top_level_names_of_key_update_and_condition() -> None:
    params = {
        "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}},
        "UpdateExpression": "SET a.b[1] = c + :v, #n = if_not_exists(d, :v) REMOVE e ADD #r :v",
        "ConditionExpression": "attribute_exists(#x) AND (size(f.g) > :v OR NOT contains(h, :v))",
        "ExpressionAttributeNames": {"#n": "named", "#r": "resends", "#x": "exists"},
        "ExpressionAttributeValues": {":v": {"N": "1"}},
    }
    assert update_item_attributes(params) == sorted(
        ["pk", "sk", "a", "c", "named", "d", "e", "resends", "exists", "f", "h"]
    )
    legacy = {"Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"old": {}}}
    assert update_item_attributes(legacy) == ["old", "pk"]
    assert update_item_attributes({"Key": {}, "UpdateExpression": "SET #missing = :v"}) is None
