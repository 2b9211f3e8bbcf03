"""DynamoDB writes are atomic, as in AWS: the endpoint applies one write at a time (all tables).

DynamoDB applies each PutItem, UpdateItem, DeleteItem and TransactWriteItems atomically, its condition
checked against the item as it is at that moment ("Atomic counters" and "Condition expressions",
Amazon DynamoDB Developer Guide). moto reads the item, checks the condition and writes the new item as
separate Python steps; the local endpoint serves requests on threads (and runs Lambda functions on
threads), so two concurrent `ADD n :one` lost one increment and two conditional puts could both pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

from local.patches import Patch, apply

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_lock = threading.RLock()


def _serialized(write: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(write)
    def atomic(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(self, *args, **kwargs)

    return atomic


PATCHES = tuple(
    Patch(
        DynamoDBBackend,
        name,
        _serialized(getattr(DynamoDBBackend, name)),
        f"moto's {name}, whose read, condition check and write other threads' writes can interleave",
    )
    for name in WRITES
)


def install() -> None:
    apply(PATCHES)
