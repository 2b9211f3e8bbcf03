"""DynamoDB stream records stay readable in their shard, as in AWS; Lambda's pollers deliver them.

moto 5.2.5 ``StreamShard.add`` invokes every mapped function synchronously inside the table write
(ignoring ``Enabled``, FilterCriteria, BatchSize and the error settings), sends every record accumulated
so far, then empties the shard, so GetRecords afterwards misses the records. In AWS a stream keeps each
record for 24 hours and Lambda reads it like any other reader ("Change data capture for DynamoDB
Streams", Amazon DynamoDB Developer Guide:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html). Here ``add`` only
appends the record; ``local.stream_sources`` polls the mappings. Records are never trimmed: an offline
endpoint lives far less than the 24-hour retention.
"""

from __future__ import annotations

from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamRecord, StreamShard

from local.patches import Patch, apply


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


PATCHES = (
    Patch(
        StreamShard,
        "add",
        _add,
        "moto's delivery of stream records to mapped functions inside the table write, emptying the shard",
    ),
)


def install() -> None:
    apply(PATCHES)
