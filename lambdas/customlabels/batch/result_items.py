"""The results table, a child batch at a time: BatchGetItem for the idempotency check (up to 100 keys a
call) and BatchWriteItem for the items (up to 25 a call), instead of a GetItem and a PutItem per image.

DynamoDB may leave part of a batch unprocessed (throttling, size limits) without an error; that part is
sent again after a back-off with jitter. What is still unprocessed after the last attempt raises
TransientProblem, so the child fails and the Map retries it (its analysed images are then skipped or
re-analysed: the result documents are the same)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from customlabels.inference.errors import TransientProblem, retry_delay

GET_LIMIT = 100
WRITE_LIMIT = 25
ATTEMPTS = 8
CAP_SECONDS = 16

Key = tuple[str, str]  # (image, version): the table's partition and sort key


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

    def _back_off(self, attempt: int, operation: str, left: int) -> None:
        if attempt == ATTEMPTS:
            raise TransientProblem(
                f"{operation} on {self._table} left {left} items unprocessed after {ATTEMPTS} attempts"
            )
        self._sleep(retry_delay(attempt, 1, cap_seconds=CAP_SECONDS))
