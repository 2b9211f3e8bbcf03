"""SQS pollers of the local event-source mappings."""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

from local.event_sources import RECEIVE_WAIT_SECONDS, EventSources, SqsMapping
from local.mapping_pollers import PROBLEM_BACKOFF_SECONDS

ARN = "arn:aws:sqs:us-east-1:123456789012:uploads"


def mapping(queue_arn: str, queue_url: str) -> SqsMapping:
    return SqsMapping(
        uuid="0123456789abcdef",
        queue_arn=queue_arn,
        queue_url=queue_url,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:detect",
        batch_size=10,
        window_seconds=0,
        report_item_failures=True,
        concurrency=1,
        role_arn="arn:aws:iam::123456789012:role/detect",
    )


@mock_aws
def test_a_poller_whose_queue_is_deleted_stops_and_says_why() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sources = EventSources([mapping(arn, url)], sqs, lambda_=None)
    sqs.delete_queue(QueueUrl=url)
    (poller,) = sources._pollers
    poller.join(timeout=RECEIVE_WAIT_SECONDS + 5)
    assert not poller.is_alive()
    assert poller.disabled_reason == f"the queue {arn} no longer exists"
    sources.stop()


class DeniedOnce:
    """An SQS client whose first ReceiveMessage is refused, as when the role lost sqs:ReceiveMessage."""

    def __init__(self) -> None:
        self.calls = 0

    def receive_message(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 1:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ReceiveMessage")
        time.sleep(0.05)
        return {}


def test_a_poller_refused_by_iam_keeps_polling_and_keeps_the_problem() -> None:
    sqs = DeniedOnce()
    sources = EventSources([mapping(ARN, "http://queue")], sqs, lambda_=None)
    (poller,) = sources._pollers
    deadline = time.monotonic() + PROBLEM_BACKOFF_SECONDS + 5
    while sqs.calls < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sqs.calls >= 2 and poller.is_alive()
    assert poller.last_problem.startswith("AccessDenied")
    sources.stop()
