"""dynamodb:LeadingKeys on the local endpoint: a policy limited to one partition writes and queries it
only, as DynamoDB's fine-grained access control decides."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from local.endpoint import LocalEndpoint
from tests.fixtures.tables import REGISTRY_KEYS, create_table
from tests.unit.access.test_endpoint_authorization import ACCOUNT, REGION, Endpoint

TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/registry"


@pytest.fixture(scope="module")
def table() -> Iterator:
    with LocalEndpoint(reset=True) as running:
        endpoint = Endpoint(running.url)
        create_table(endpoint.client("dynamodb"), "registry", REGISTRY_KEYS)
        own = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["FEEDBACK#digits"]}}
        person = endpoint.role("reviewer", {
            "Effect": "Allow", "Resource": TABLE, "Condition": own,
            "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
        })  # fmt: skip
        yield person.resource("dynamodb", endpoint_url=running.url).Table("registry")


def _denied(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_items_of_the_allowed_partition_are_written_and_queried(table) -> None:
    table.put_item(Item={"project": "FEEDBACK#digits", "sk": "IMPORT#1"})
    table.update_item(Key={"project": "FEEDBACK#digits", "sk": "FEEDBACK"}, UpdateExpression="SET n = :n",
                      ExpressionAttributeValues={":n": 1})
    imports = Key("project").eq("FEEDBACK#digits") & Key("sk").begins_with("I")
    found = table.query(KeyConditionExpression=imports)
    assert [item["sk"] for item in found["Items"]] == ["IMPORT#1"]


def test_items_of_any_other_partition_are_denied(table) -> None:
    champion = {"project": "digits", "sk": "CHAMPION"}
    assert _denied(lambda: table.put_item(Item=champion)) == "AccessDeniedException"
    assert _denied(lambda: table.update_item(
        Key=champion, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": "x"}
    )) == "AccessDeniedException"  # fmt: skip
    assert _denied(lambda: table.delete_item(Key=champion)) == "AccessDeniedException"
    versions = Key("project").eq("digits")
    assert _denied(lambda: table.query(KeyConditionExpression=versions)) == "AccessDeniedException"
