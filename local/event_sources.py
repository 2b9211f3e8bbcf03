"""SQS -> Lambda event-source mappings run the way Lambda runs them, against the local endpoint.

moto 5.2.5 delivers SQS messages to a mapped function synchronously inside ``SendMessage``, one
record per invocation, with canned attributes; it ignores ``ReportBatchItemFailures`` and the
batching window, and never polls again, so a failed message is never retried. Here each SQS mapping
gets pollers that behave like Lambda's:

- batches of up to ``BatchSize`` messages, gathered for up to ``MaximumBatchingWindowInSeconds``;
- records carry the real ``ApproximateReceiveCount``, timestamps and message attributes;
- ``ScalingConfig.MaximumConcurrency`` concurrent batches (default 5, Lambda's initial pollers),
  never more than the function's reserved concurrency;
- a function error leaves the whole batch in flight until its visibility timeout ends; with
  ``ReportBatchItemFailures`` only the reported items stay (an unknown or empty identifier fails
  the whole batch, as in Lambda); everything else is deleted;
- redrive to the dead-letter queue after ``maxReceiveCount`` is the queue's own (moto does it);
- a poller whose role may not read the queue (or its key) keeps polling after a back-off, keeping the
  last problem, and one whose queue was deleted stops, as Lambda disables the mapping.

Use: ``sources = EventSources.take_over(session, endpoint_url)`` after deploying: it disables moto's
built-in delivery for every enabled SQS mapping and starts the pollers, and starts those of the DynamoDB
stream mappings (``local.stream_sources``); ``sources.follow()`` does the same for mappings created
later (another project's stack); ``sources.wait_until_drained()`` waits for the queues to empty and the
stream pollers to catch up; ``sources.stop()`` ends the pollers.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local.mapping_pollers import MappingPoller, role_client
from local.stream_sources import StreamSources, stream_mappings

DEFAULT_POLLERS = 5
RECEIVE_WAIT_SECONDS = 1  # Lambda long-polls 20 s; 1 s keeps a local stop quick
FOLLOW_SECONDS = 1.0  # how soon a mapping created after serve started is polled
QUEUE_GONE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


@dataclass(frozen=True)
class SqsMapping:
    uuid: str
    queue_arn: str
    queue_url: str
    function_arn: str
    batch_size: int
    window_seconds: float
    report_item_failures: bool
    concurrency: int
    role_arn: str


class _Poller(MappingPoller):
    def __init__(self, mapping: SqsMapping, sqs: Any, lambda_: Any, stopping: threading.Event) -> None:
        super().__init__(f"sqs-poller-{mapping.uuid[:8]}", lambda_, stopping)
        self.mapping = mapping
        self._sqs = sqs

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                messages = self._gather()
                if messages:
                    self._deliver(messages)
            except ClientError as error:
                if self._source_gone(error, QUEUE_GONE, f"the queue {self.mapping.queue_arn}"):
                    return

    def _gather(self) -> list[dict[str, Any]]:
        """One batch: the batching window starts with the first message, as in Lambda."""
        mapping = self.mapping
        messages: list[dict[str, Any]] = []
        deadline = float("inf")
        while len(messages) < mapping.batch_size and not self._stopping.is_set():
            received = self._sqs.receive_message(
                QueueUrl=mapping.queue_url,
                MaxNumberOfMessages=min(10, mapping.batch_size - len(messages)),
                WaitTimeSeconds=0 if messages else RECEIVE_WAIT_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if received and not messages:
                deadline = time.monotonic() + mapping.window_seconds
            messages += received
            if messages and time.monotonic() >= deadline:
                break
            if messages and not received:
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        return messages

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [_record(message, self.mapping.queue_arn) for message in messages]}
        response = self._lambda.invoke(FunctionName=self.mapping.function_arn, Payload=json.dumps(event))
        self.invocations += 1
        payload = response["Payload"].read()
        if "FunctionError" in response:
            return  # the whole batch comes back after its visibility timeout
        keep = self._failed_items(payload, {m["MessageId"] for m in messages})
        if keep is None:
            return
        done = [m for m in messages if m["MessageId"] not in keep]
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self.mapping.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
                    for index, m in enumerate(done[start : start + 10])
                ],
            )

    def _failed_items(self, payload: bytes, batch_ids: set[str]) -> set[str] | None:
        """Message ids to leave in the queue; None means the whole batch failed."""
        if not self.mapping.report_item_failures:
            return set()
        try:
            result = json.loads(payload or b"null")
        except json.JSONDecodeError:
            return set()
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if not failures:
            return set()
        ids = {failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures}
        return ids if ids <= batch_ids else None


def _record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    region = queue_arn.split(":")[3]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class EventSources:
    def __init__(
        self, mappings: Iterable[SqsMapping], sqs: Any, lambda_: Any, streams: StreamSources | None = None
    ) -> None:
        self.mappings: list[SqsMapping] = []
        self._sqs = sqs
        self._lambda = lambda_
        self._stopping = threading.Event()
        self._pollers: list[_Poller] = []
        self.streams = streams
        self._start(mappings)

    @classmethod
    def take_over(cls, session: boto3.Session, endpoint_url: str | None) -> EventSources:
        sqs = session.client("sqs", endpoint_url=endpoint_url)
        lambda_ = session.client("lambda", endpoint_url=endpoint_url)
        streams = StreamSources(
            stream_mappings(lambda_), session.client("dynamodbstreams", endpoint_url=endpoint_url), lambda_
        )
        return cls(_take_over(sqs, lambda_), sqs, lambda_, streams)

    def follow(self, interval_seconds: float = FOLLOW_SECONDS) -> None:
        """Take over the SQS mappings created later (``python -m local deploy`` adding a project's
        pipeline to a running ``serve``) as Lambda starts polling a new mapping, until ``stop``."""

        def adopt() -> None:
            while not self._stopping.wait(interval_seconds):
                with contextlib.suppress(ClientError):  # the next round tries again
                    self._start(_take_over(self._sqs, self._lambda))
                if self.streams is not None:
                    self.streams.adopt()

        threading.Thread(target=adopt, name="sqs-mapping-follower", daemon=True).start()

    def _start(self, mappings: Iterable[SqsMapping]) -> None:
        for mapping in mappings:
            self.mappings.append(mapping)
            for _ in range(mapping.concurrency):
                # Lambda reads the queue with the function's execution role: its pollers do too.
                sqs = role_client("sqs", mapping.role_arn, self._sqs)
                poller = _Poller(mapping, sqs, self._lambda, self._stopping)
                self._pollers.append(poller)
                poller.start()

    def wait_until_drained(self, timeout: float, *, poll_seconds: float = 0.5) -> bool:
        """True once every mapped queue holds no message, visible or in flight, and every stream poller
        has read its shards to the end and delivered what it read (a consumer's writes and messages
        are waited for too: the queues are checked again after the streams caught up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queues_empty():
                caught_up_after = time.monotonic()
                while time.monotonic() < deadline and not self._streams_caught_up(caught_up_after):
                    time.sleep(min(poll_seconds, 0.1))
                if self._streams_caught_up(caught_up_after) and self._queues_empty():
                    return True
            time.sleep(poll_seconds)
        return False

    def _queues_empty(self) -> bool:
        return all(self.depth(mapping.queue_url) == 0 for mapping in self.mappings)

    def _streams_caught_up(self, moment: float) -> bool:
        return self.streams is None or self.streams.caught_up_since(moment)

    def depth(self, queue_url: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def invocations(self) -> int:
        """Batches delivered from the queues (the streams count theirs: ``streams.invocations()``)."""
        return sum(poller.invocations for poller in self._pollers)

    def stop(self) -> None:
        self._stopping.set()
        if self.streams is not None:
            self.streams.stop()
        for poller in self._pollers:
            poller.join(timeout=RECEIVE_WAIT_SECONDS + 5)


def _take_over(sqs: Any, lambda_: Any) -> list[SqsMapping]:
    """The enabled SQS mappings, disabled in moto (which delivers inside SendMessage): polled here instead."""
    mappings = [_mapping(raw, sqs, lambda_) for raw in _sqs_mappings(lambda_)]
    for mapping in mappings:
        lambda_.update_event_source_mapping(UUID=mapping.uuid, Enabled=False)
    return mappings


def _sqs_mappings(lambda_: Any) -> list[dict[str, Any]]:
    mappings = []
    for page in lambda_.get_paginator("list_event_source_mappings").paginate():
        mappings += [
            m
            for m in page["EventSourceMappings"]
            if m["EventSourceArn"].startswith("arn:aws:sqs:") and m.get("State") in ("Enabled", "Enabling")
        ]
    return mappings


def _mapping(raw: dict[str, Any], sqs: Any, lambda_: Any) -> SqsMapping:
    account, name = raw["EventSourceArn"].split(":")[4:6]
    queue_url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    concurrency = (raw.get("ScalingConfig") or {}).get("MaximumConcurrency") or DEFAULT_POLLERS
    reserved = lambda_.get_function_concurrency(FunctionName=raw["FunctionArn"]).get(
        "ReservedConcurrentExecutions"
    )
    if reserved is not None:
        concurrency = min(concurrency, reserved)
    return SqsMapping(
        uuid=raw["UUID"],
        queue_arn=raw["EventSourceArn"],
        queue_url=queue_url,
        function_arn=raw["FunctionArn"],
        batch_size=raw.get("BatchSize") or 10,
        window_seconds=raw.get("MaximumBatchingWindowInSeconds") or 0,
        report_item_failures="ReportBatchItemFailures" in (raw.get("FunctionResponseTypes") or []),
        concurrency=max(1, concurrency),
        role_arn=lambda_.get_function(FunctionName=raw["FunctionArn"])["Configuration"]["Role"],
    )
