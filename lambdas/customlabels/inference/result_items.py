"""The results table, a child batch at a time: BatchGetItem for the idempotency check (up to 100 keys a
call) and BatchWriteItem for the items (up to 25 a call), instead of a GetItem and a PutItem per image.

DynamoDB may leave part of a batch unprocessed (throttling, size limits) without an error; that part is
sent again after a back-off with jitter. What is still unprocessed after the last attempt raises
TransientProblem, so the child fails and the Map retries it (its analysed images are then skipped or
re-analysed: the result documents are the same)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from customlabels.inference.errors import TransientProblem, error_code, retry_delay

GET_LIMIT = 100
WRITE_LIMIT = 25
ATTEMPTS = 8
CAP_SECONDS = 16

Key = tuple[str, str]  # (image, version): the table's partition and sort key
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def portable(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` as JSON (DynamoDB's typed form, binary as base64): the detect path keeps an image's row
    in its idempotency record, so a redelivery can write a row that was lost with its invocation."""
    typed = {name: _SERIALIZER.serialize(value) for name, value in item.items()}
    return {
        name: {"B": base64.b64encode(value["B"]).decode()} if "B" in value else value
        for name, value in typed.items()
    }


def restored(row: dict[str, Any]) -> dict[str, Any]:
    """The item ``portable`` made ``row`` from."""
    return {
        name: Binary(base64.b64decode(value["B"])) if "B" in value else _DESERIALIZER.deserialize(value)
        for name, value in row.items()
    }


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class ResultItems:
    def __init__(
        self, dynamodb: Any, table_name: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._dynamodb = dynamodb  # the boto3 resource: items come back as Python values
        self._table = table_name
        self._sleep = sleep

    def existing(self, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
        """The items stored under ``keys`` (duplicates asked once), by key."""
        wanted = [{"image": image, "version": version} for image, version in dict.fromkeys(keys)]
        found: dict[Key, dict[str, Any]] = {}
        for chunk in _chunks(wanted, GET_LIMIT):
            request: dict[str, Any] = {self._table: {"Keys": chunk}}
            for attempt in range(1, ATTEMPTS + 1):
                response = self._dynamodb.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table, []):
                    found[(item["image"], item["version"])] = item
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._back_off(attempt, "BatchGetItem", len(request[self._table]["Keys"]))
        return found

    def write(self, items: Iterable[dict[str, Any]]) -> None:
        """Put ``items``; of two items with one key (an image listed twice) the last is written."""
        unique = list({(item["image"], item["version"]): item for item in items}.values())
        for chunk in _chunks(unique, WRITE_LIMIT):
            request: dict[str, Any] = {self._table: [{"PutRequest": {"Item": item}} for item in chunk]}
            for attempt in range(1, ATTEMPTS + 1):
                request = self._dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
                self._back_off(attempt, "BatchWriteItem", len(request[self._table]))

    def write_missing(self, items: Iterable[dict[str, Any]]) -> None:
        """Put each of ``items`` only where its row is missing: a redelivered image's row may have been
        updated since it was written (its document written out), and must not go back."""
        table = self._dynamodb.Table(self._table)
        for item in items:
            try:
                table.put_item(Item=item, ConditionExpression="attribute_not_exists(image)")
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise

    def _back_off(self, attempt: int, operation: str, left: int) -> None:
        if attempt == ATTEMPTS:
            raise TransientProblem(
                f"{operation} on {self._table} left {left} items unprocessed after {ATTEMPTS} attempts"
            )
        self._sleep(retry_delay(attempt, 1, cap_seconds=CAP_SECONDS))
