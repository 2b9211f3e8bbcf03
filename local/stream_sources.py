"""DynamoDB stream -> Lambda event-source mappings run the way Lambda runs them, against the local endpoint.

moto keeps the records in the shard (``local.stream_shards``); here each enabled mapping on a stream
gets a poller that behaves like Lambda's ("Using AWS Lambda with Amazon DynamoDB", "Lambda parameters
for Amazon DynamoDB event source mappings", AWS Lambda Developer Guide:
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html,
https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html):

- it reads every shard with the function's execution role (DescribeStream, GetShardIterator from
  ``StartingPosition``, GetRecords), 4 times a second when idle, as Lambda polls a shard;
- records that match none of the ``FilterCriteria`` patterns are dropped before batching
  (``local.stream_filters``);
- batches of up to ``BatchSize`` records, gathered for up to ``MaximumBatchingWindowInSeconds``, one
  batch at a time per shard and in order (ParallelizationFactor 1);
- a function error retries the batch, split in two first when ``BisectBatchOnFunctionError`` (a split
  does not count as a retry); with ``ReportBatchItemFailures`` the lowest reported ``itemIdentifier``
  becomes the checkpoint and the retry starts there (an identifier not in the batch fails the whole
  batch) ("Configuring partial batch response with DynamoDB and Lambda":
  https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html);
- after ``MaximumRetryAttempts`` retries (-1: until the record is older than ``MaximumRecordAgeInSeconds``,
  or than the stream's 24-hour retention) the batch is skipped and its description goes to the
  ``DestinationConfig.OnFailure`` queue or topic, sent with the function's role
  (``local.stream_failures``);
- a poller refused by IAM keeps polling after a back-off and keeps the last problem.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from local.mapping_pollers import PROBLEM_BACKOFF_SECONDS, MappingPoller, role_client
from local.stream_failures import FailedBatch, send_failed_batch
from local.stream_filters import InvalidFilterCriteria, record_filter
from local.stream_records import lambda_record

POLL_SECONDS = 0.25  # "Lambda polls shards in your DynamoDB stream ... at a base rate of 4 times per second"
RETRY_BACKOFF_SECONDS = 0.2
RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keeps a record 24 hours
STREAM_GONE = frozenset({"ResourceNotFoundException"})


@dataclass(frozen=True)
class StreamMapping:
    uuid: str
    stream_arn: str
    function_arn: str
    role_arn: str
    batch_size: int = 100
    window_seconds: float = 0
    starting_position: str = "TRIM_HORIZON"
    filter_criteria: dict[str, Any] | None = None
    bisect: bool = False
    max_retries: int = -1
    max_record_age: int = -1
    report_item_failures: bool = False
    on_failure: str | None = None


@dataclass
class _Shard:
    """What a poller knows of one shard: its iterator and the read, matching records not yet checkpointed."""

    shard_id: str
    iterator: str | None = None
    last_read: str | None = None  # sequence number of the last record read
    pending: list[dict[str, Any]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # sizes of the next batches after a bisect
    attempts: int = 0  # failed invocations of the batch at the head of `pending`
    first_seen: float = 0.0  # when the oldest pending record was read (batching window)

    def checkpoint(self, count: int) -> None:
        """The first `count` pending records are done."""
        if count:
            self.pending = self.pending[count:]
            self.attempts = 0
            self.first_seen = time.monotonic()


class StreamPoller(MappingPoller):
    def __init__(self, mapping: StreamMapping, streams: Any, lambda_: Any, stopping: threading.Event) -> None:
        super().__init__(f"stream-poller-{mapping.uuid[:8]}", lambda_, stopping)
        self.mapping = mapping
        self._streams = streams
        self._shards: list[_Shard] = []
        self.caught_up_from: float | None = None  # start of the last round that found nothing to deliver
        try:
            self._keep = record_filter(mapping.filter_criteria)
        except InvalidFilterCriteria as error:
            self._keep = lambda record: False
            self.disabled_reason = str(error)

    def run(self) -> None:
        while self.disabled_reason is None and not self._stopping.is_set():
            started = time.monotonic()
            try:
                if not self._shards:
                    self._shards = self._describe()
                delivered = [self._round(shard) for shard in self._shards]
            except ClientError as error:
                if self._source_gone(error, STREAM_GONE, f"the stream {self.mapping.stream_arn}"):
                    return
                continue
            if not any(delivered) and not any(shard.pending for shard in self._shards):
                self.caught_up_from = started
            if not any(delivered):
                self._stopping.wait(POLL_SECONDS)

    def _describe(self) -> list[_Shard]:
        description = self._streams.describe_stream(StreamArn=self.mapping.stream_arn)["StreamDescription"]
        shards = [_Shard(shard["ShardId"]) for shard in description["Shards"]]
        for shard in shards:
            shard.iterator = self._iterator(shard, ShardIteratorType=self.mapping.starting_position)
        return shards

    def _iterator(self, shard: _Shard, **position: str) -> str:
        return self._streams.get_shard_iterator(
            StreamArn=self.mapping.stream_arn, ShardId=shard.shard_id, **position
        )["ShardIterator"]

    def _round(self, shard: _Shard) -> bool:
        """Read what is new in the shard and deliver one batch when it is due; True when it delivered."""
        self._read(shard)
        size = shard.sizes[0] if shard.sizes else self.mapping.batch_size
        if not shard.pending:
            return False
        due = len(shard.pending) >= size or time.monotonic() - shard.first_seen >= self.mapping.window_seconds
        if due:
            self._deliver(shard, shard.pending[:size])
        return due

    def _read(self, shard: _Shard) -> None:
        while True:
            try:
                page = self._streams.get_records(ShardIterator=shard.iterator, Limit=1000)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                    raise
                # A batch that took longer than the iterator lives: go on after the last record read.
                after = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.last_read}
                start = {"ShardIteratorType": self.mapping.starting_position}
                shard.iterator = self._iterator(shard, **(after if shard.last_read else start))
                continue
            shard.iterator = page.get("NextShardIterator") or shard.iterator
            records = [lambda_record(raw, self.mapping.stream_arn) for raw in page["Records"]]
            if records:
                shard.last_read = records[-1]["dynamodb"]["SequenceNumber"]
            kept = [record for record in records if self._keep(record)]
            if kept and not shard.pending:
                shard.first_seen = time.monotonic()
            shard.pending += kept
            if not records:
                return

    def _deliver(self, shard: _Shard, batch: list[dict[str, Any]]) -> None:
        event = json.dumps({"Records": batch})
        response = self._lambda.invoke(FunctionName=self.mapping.function_arn, Payload=event)
        self.invocations += 1
        failed_at = self._first_failure(response, batch)
        if failed_at is None:
            shard.checkpoint(len(batch))
            if shard.sizes:
                shard.sizes.pop(0)
            return
        shard.checkpoint(failed_at)
        failed = batch[failed_at:]
        if shard.sizes:
            shard.sizes[0] = len(failed)
        if failed_at == 0 and self.mapping.bisect and len(failed) > 1:
            half = len(failed) // 2
            shard.sizes[:1] = [half, len(failed) - half]
            return
        shard.attempts += 1
        condition = self._exhausted(shard, failed)
        if condition is None:
            self._stopping.wait(RETRY_BACKOFF_SECONDS)
            return
        self._skip(shard, FailedBatch(failed, shard.shard_id, condition, shard.attempts, response))

    def _first_failure(self, response: dict[str, Any], batch: list[dict[str, Any]]) -> int | None:
        """Index in `batch` of the first record to retry from; None when the whole batch succeeded."""
        payload = response["Payload"].read()
        if "FunctionError" in response:
            return 0
        if not self.mapping.report_item_failures:
            return None
        try:
            result = json.loads(payload or b"null")
        except json.JSONDecodeError:
            return None
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if not failures:
            return None
        sequence = [record["dynamodb"]["SequenceNumber"] for record in batch]
        reported = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
        if any(identifier not in sequence for identifier in reported):
            return 0
        return min(sequence.index(identifier) for identifier in reported)

    def _exhausted(self, shard: _Shard, failed: list[dict[str, Any]]) -> str | None:
        """Why Lambda stops retrying the failed records, None while it retries."""
        retries = self.mapping.max_retries
        if retries >= 0 and shard.attempts > retries:
            return "RetryAttemptsExhausted"
        age_limit = self.mapping.max_record_age if self.mapping.max_record_age >= 0 else RETENTION_SECONDS
        if time.time() - failed[0]["dynamodb"]["ApproximateCreationDateTime"] > age_limit:
            return "RecordAgeExceeded"
        return None

    def _skip(self, shard: _Shard, failed: FailedBatch) -> None:
        shard.pending = shard.pending[len(failed.records) :]
        shard.attempts = 0
        if shard.sizes:
            shard.sizes.pop(0)
        if self.mapping.on_failure:
            try:
                service = self.mapping.on_failure.split(":")[2]  # sqs or sns
                client = role_client(service, self.mapping.role_arn, self._streams)
                send_failed_batch(failed, self.mapping, client)
            except ClientError as error:
                self.last_problem = f"on-failure destination: {error}"


class StreamSources:
    """The pollers of every DynamoDB stream mapping taken over."""

    def __init__(self, mappings: Iterable[StreamMapping], streams: Any, lambda_: Any) -> None:
        self._streams = streams
        self._lambda = lambda_
        self._stopping = threading.Event()
        self.pollers: list[StreamPoller] = []
        self.start(mappings)

    def start(self, mappings: Iterable[StreamMapping]) -> None:
        taken = {poller.mapping.uuid for poller in self.pollers}
        for mapping in mappings:
            if mapping.uuid in taken:
                continue
            streams = role_client("dynamodbstreams", mapping.role_arn, self._streams)
            poller = StreamPoller(mapping, streams, self._lambda, self._stopping)
            self.pollers.append(poller)
            poller.start()
            # as for SQS mappings: a mapping polled here is disabled in moto, which is how `python -m local
            # deploy` sees that a running serve took its mappings over
            self._lambda.update_event_source_mapping(UUID=mapping.uuid, Enabled=False)

    def adopt(self) -> None:
        """Start polling the mappings created since."""
        with contextlib.suppress(ClientError):  # the next round tries again
            self.start(stream_mappings(self._lambda))

    def caught_up_since(self, moment: float) -> bool:
        """Every live poller has read its shards to the end, after `moment`, with nothing left to deliver."""
        return all(
            not poller.is_alive() or (poller.caught_up_from is not None and poller.caught_up_from >= moment)
            for poller in self.pollers
        )

    def invocations(self) -> int:
        return sum(poller.invocations for poller in self.pollers)

    def stop(self) -> None:
        self._stopping.set()
        for poller in self.pollers:
            poller.join(timeout=PROBLEM_BACKOFF_SECONDS + 5)


def stream_mappings(lambda_: Any) -> list[StreamMapping]:
    """The enabled mappings on DynamoDB streams, as Lambda has them configured."""
    mappings = []
    for page in lambda_.get_paginator("list_event_source_mappings").paginate():
        for raw in page["EventSourceMappings"]:
            if ":dynamodb:" in raw["EventSourceArn"] and raw.get("State") in ("Enabled", "Enabling"):
                mappings.append(stream_mapping(raw, lambda_))
    return mappings


def stream_mapping(raw: dict[str, Any], lambda_: Any) -> StreamMapping:
    """A mapping as ListEventSourceMappings describes it, with Lambda's defaults for what it omits."""
    on_failure = ((raw.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return StreamMapping(
        uuid=raw["UUID"],
        stream_arn=raw["EventSourceArn"],
        function_arn=raw["FunctionArn"],
        role_arn=lambda_.get_function(FunctionName=raw["FunctionArn"])["Configuration"]["Role"],
        batch_size=raw.get("BatchSize") or 100,
        window_seconds=raw.get("MaximumBatchingWindowInSeconds") or 0,
        starting_position=raw.get("StartingPosition") or "TRIM_HORIZON",
        filter_criteria=raw.get("FilterCriteria"),
        bisect=bool(raw.get("BisectBatchOnFunctionError")),
        max_retries=raw.get("MaximumRetryAttempts", -1),
        max_record_age=raw.get("MaximumRecordAgeInSeconds", -1),
        report_item_failures="ReportBatchItemFailures" in (raw.get("FunctionResponseTypes") or []),
        on_failure=on_failure,
    )
