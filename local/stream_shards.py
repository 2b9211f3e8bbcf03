"""DynamoDB stream records stay readable in their shard, as in AWS; Lambda's pollers deliver them.

moto 5.2.5 ``StreamShard.add`` invokes every mapped function synchronously inside the table write
(ignoring ``Enabled``, FilterCriteria, BatchSize and the error settings), sends every record accumulated
so far, then empties the shard, so GetRecords afterwards misses the records. In AWS a stream keeps each
record for 24 hours and Lambda reads it like any other reader ("Change data capture for DynamoDB
Streams", Amazon DynamoDB Developer Guide:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html). Here ``add`` only
appends the record; ``local.stream_sources`` polls the mappings. Records are never trimmed: an offline
endpoint lives far less than the 24-hour retention.

moto also keeps every shard iterator it hands out, forever (a poller asks for one 4 times a second), and
answers an unknown one with a server error. In AWS "a shard iterator expires 15 minutes after it is
returned to the requester" (DynamoDB Streams API Reference, GetShardIterator:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html), and
GetRecords with an expired one answers ``ExpiredIteratorException``: so here.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamRecord, StreamShard
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

from local.patches import Patch, apply

ITERATOR_LIFETIME_SECONDS = 15 * 60
_issued: dict[str, float] = {}  # iterator -> when it was handed out
_issued_lock = threading.Lock()
_get_shard_iterator = DynamoDBStreamsBackend.get_shard_iterator
_get_records = DynamoDBStreamsBackend.get_records


class ExpiredIterator(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "ExpiredIteratorException",
            "The shard iterator has expired (15 minutes after GetShardIterator or GetRecords returned it): "
            "get a new one with GetShardIterator.",
        )


def _event_name(old: Item | None, new: Item | None) -> str:
    if old is None:
        return "INSERT"
    return "REMOVE" if new is None else "MODIFY"


def _add(self: StreamShard, old: Item | None, new: Item | None) -> None:
    view_type = self.table.stream_specification["StreamViewType"]  # type: ignore[index]
    sequence = len(self.items) + self.starting_sequence_number
    record = StreamRecord(self.table, view_type, _event_name(old, new), old, new, sequence)
    record.record["awsRegion"] = self.table.region_name  # moto writes us-east-1 whatever the region
    self.items.append(record)


def _issue(backend: DynamoDBStreamsBackend, iterator: str) -> None:
    now = time.monotonic()
    with _issued_lock:
        _issued[iterator] = now
        expired = [arn for arn, issued in _issued.items() if now - issued > ITERATOR_LIFETIME_SECONDS]
        for arn in expired:
            del _issued[arn]
            backend.shard_iterators.pop(arn, None)


def _issued_iterator(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> ShardIterator:
    iterator = _get_shard_iterator(self, *args, **kwargs)
    _issue(self, iterator.arn)
    return iterator


def _records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    with _issued_lock:
        issued = _issued.get(iterator_arn)
    if issued is None or time.monotonic() - issued > ITERATOR_LIFETIME_SECONDS:
        raise ExpiredIterator()
    result = _get_records(self, iterator_arn, limit)
    _issue(self, result["NextShardIterator"])
    return result


PATCHES = (
    Patch(
        StreamShard,
        "add",
        _add,
        "moto's delivery of stream records to mapped functions inside the table write, emptying the shard",
    ),
    Patch(
        DynamoDBStreamsBackend,
        "get_shard_iterator",
        _issued_iterator,
        "moto's shard iterators, which never expire",
    ),
    Patch(
        DynamoDBStreamsBackend,
        "get_records",
        _records,
        "moto's GetRecords, which keeps every iterator it returns and fails on an unknown one",
    ),
)


def install() -> None:
    apply(PATCHES)
