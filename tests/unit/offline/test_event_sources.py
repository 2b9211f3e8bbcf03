"""SQS pollers of the local event-source mappings."""

from __future__ import annotations

import boto3
from moto import mock_aws

from local.event_sources import RECEIVE_WAIT_SECONDS, EventSources, SqsMapping


@mock_aws
def test_a_poller_whose_queue_is_deleted_stops_and_says_why() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = SqsMapping(
        uuid="0123456789abcdef",
        queue_arn=arn,
        queue_url=url,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:detect",
        batch_size=10,
        window_seconds=0,
        report_item_failures=True,
        concurrency=1,
        role_arn="arn:aws:iam::123456789012:role/detect",
    )
    sources = EventSources([mapping], sqs, lambda_=None)
    sqs.delete_queue(QueueUrl=url)
    (poller,) = sources._pollers
    poller.join(timeout=RECEIVE_WAIT_SECONDS + 5)
    assert not poller.is_alive()
    assert poller.disabled_reason == f"the queue {arn} no longer exists"
    sources.stop()
