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
built-in delivery for every enabled SQS mapping and starts the pollers; ``sources.follow()`` does the
same for mappings created later (another project's stack); ``sources.wait_until_drained()``
waits for the queues to empty; ``sources.stop()`` ends the pollers.
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

from local import access

DEFAULT_POLLERS = 5
RECEIVE_WAIT_SECONDS = 1  # Lambda long-polls 20 s; 1 s keeps a local stop quick
PROBLEM_BACKOFF_SECONDS = 1.0
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


class _Poller(threading.Thread):
    def __init__(self, mapping: SqsMapping, sqs: Any, lambda_: Any, stopping: threading.Event) -> None:
        super().__init__(name=f"sqs-poller-{mapping.uuid[:8]}", daemon=True)
        self.mapping = mapping
        self._sqs = sqs
        self._lambda = lambda_
        self._stopping = stopping
        self.invocations = 0
        self.disabled_reason: str | None = None
        self.last_problem: str | None = None

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                messages = self._gather()
                if messages:
                    self._deliver(messages)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code in QUEUE_GONE:  # Lambda disables a mapping whose queue was deleted
                    self.disabled_reason = f"the queue {self.mapping.queue_arn} no longer exists"
                    return
                # Lambda goes on polling a queue its role may not read or decrypt (and says why), so a
                # fixed policy lets the mapping resume.
                self.last_problem = f"{code}: {error}"
                self._stopping.wait(PROBLEM_BACKOFF_SECONDS)

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
    def __init__(self, mappings: Iterable[SqsMapping], sqs: Any, lambda_: Any) -> None:
        self.mappings: list[SqsMapping] = []
        self._sqs = sqs
        self._lambda = lambda_
        self._stopping = threading.Event()
        self._pollers: list[_Poller] = []
        self._start(mappings)

    @classmethod
    def take_over(cls, session: boto3.Session, endpoint_url: str | None) -> EventSources:
        sqs = session.client("sqs", endpoint_url=endpoint_url)
        lambda_ = session.client("lambda", endpoint_url=endpoint_url)
        return cls(_take_over(sqs, lambda_), sqs, lambda_)

    def follow(self, interval_seconds: float = FOLLOW_SECONDS) -> None:
        """Take over the SQS mappings created later (``python -m local deploy`` adding a project's
        pipeline to a running ``serve``) as Lambda starts polling a new mapping, until ``stop``."""

        def adopt() -> None:
            while not self._stopping.wait(interval_seconds):
                with contextlib.suppress(ClientError):  # the next round tries again
                    self._start(_take_over(self._sqs, self._lambda))

        threading.Thread(target=adopt, name="sqs-mapping-follower", daemon=True).start()

    def _start(self, mappings: Iterable[SqsMapping]) -> None:
        for mapping in mappings:
            self.mappings.append(mapping)
            for _ in range(mapping.concurrency):
                poller = _Poller(mapping, _poller_sqs(mapping, self._sqs), self._lambda, self._stopping)
                self._pollers.append(poller)
                poller.start()

    def wait_until_drained(self, timeout: float, *, poll_seconds: float = 0.5) -> bool:
        """True once every mapped queue holds no message, visible or in flight."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.depth(mapping.queue_url) == 0 for mapping in self.mappings):
                return True
            time.sleep(poll_seconds)
        return False

    def depth(self, queue_url: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def invocations(self) -> int:
        return sum(poller.invocations for poller in self._pollers)

    def stop(self) -> None:
        self._stopping.set()
        for poller in self._pollers:
            poller.join(timeout=RECEIVE_WAIT_SECONDS + 5)


def _poller_sqs(mapping: SqsMapping, sqs: Any) -> Any:
    """Lambda reads the queue with the function's execution role: its pollers do too."""
    issued = access.role_credentials_if_enabled(mapping.role_arn, "event-source-mapping")
    if issued is None:
        return sqs
    return boto3.client(
        "sqs",
        region_name=sqs.meta.region_name,
        endpoint_url=sqs.meta.endpoint_url,
        aws_access_key_id=issued.access_key_id,
        aws_secret_access_key=issued.secret_access_key,
        aws_session_token=issued.session_token,
    )


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
