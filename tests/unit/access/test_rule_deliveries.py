"""EventBridge delivers to SNS (encrypted topics included), dead-letter queues and from Step Functions
status changes, with each delivery's request context taken from the delivery table."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local import access
from local.endpoint import LocalEndpoint

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
EVENTS = {"Service": "events.amazonaws.com"}


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Endpoint:
    def __init__(self, url: str) -> None:
        self.session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.url = url

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url)

    def queue(self, name: str, policy: dict[str, Any] | None = None) -> tuple[str, str]:
        sqs = self.client("sqs")
        attributes = {"Policy": _document(policy)} if policy else {}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def messages(self, url: str, wait: float = 0.3) -> list[dict[str, Any]]:
        time.sleep(wait)
        return (
            self.client("sqs")
            .receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
            .get("Messages", [])
        )

    def metric_sum(self, rule: str, name: str) -> float:
        now = datetime.now(UTC)
        points = self.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Events",
            MetricName=name,
            Dimensions=[{"Name": "RuleName", "Value": rule}],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(point["Sum"] for point in points)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with LocalEndpoint(reset=True) as running:
        yield Endpoint(running.url)


def _encrypted_topic(endpoint: Endpoint, name: str, events_key_condition: dict[str, Any]) -> tuple[str, str]:
    """A topic on a key whose policy lets EventBridge use it only under `events_key_condition`, its
    policy letting this account's rules publish, and a raw subscriber queue; (topic ARN, queue URL)."""
    root = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    events_key = {
        "Effect": "Allow",
        "Principal": EVENTS,
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": events_key_condition,
    }
    key = endpoint.client("kms").create_key(Policy=_document(root, events_key))["KeyMetadata"]["Arn"]
    sns = endpoint.client("sns")
    topic = sns.create_topic(Name=name, Attributes={"KmsMasterKeyId": key})["TopicArn"]
    publish = {
        "Effect": "Allow",
        "Principal": EVENTS,
        "Action": "sns:Publish",
        "Resource": topic,
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=_document(publish))
    url, arn = endpoint.queue(f"{name}-subscriber")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return topic, url


def _dead_letter_queue(endpoint: Endpoint, name: str) -> tuple[str, str]:
    send = {"Effect": "Allow", "Principal": EVENTS, "Action": "sqs:SendMessage", "Resource": "*"}
    return endpoint.queue(name, send)


def _rule_to(endpoint: Endpoint, rule: str, target: dict[str, Any], source: str) -> None:
    events = endpoint.client("events")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "only", **target}])


def _put(endpoint: Endpoint, source: str, detail: dict[str, Any]) -> None:
    entries = [{"Source": source, "DetailType": "test", "Detail": json.dumps(detail)}]
    assert endpoint.client("events").put_events(Entries=entries)["FailedEntryCount"] == 0


def test_a_topic_key_allowing_eventbridge_only_with_source_arn_refuses_the_delivery(endpoint) -> None:
    rule_pattern = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"
    topic, url = _encrypted_topic(endpoint, "source-keyed", {"ArnLike": {"aws:SourceArn": rule_pattern}})
    dlq_url, dlq = _dead_letter_queue(endpoint, "source-keyed-dlq")
    target = {"Arn": topic, "Input": '"hello"', "DeadLetterConfig": {"Arn": dlq}}
    _rule_to(endpoint, "to-source-keyed", target, "test.source-keyed")
    since = len(access.recent_denials())

    _put(endpoint, "test.source-keyed", {"n": 1})

    assert endpoint.messages(url) == []
    (denial,) = [d for d in access.recent_denials()[since:] if d.principal == "events.amazonaws.com"]
    assert denial.action == "kms:GenerateDataKey" and ":key/" in denial.resource
    (dead,) = endpoint.messages(dlq_url, wait=0)
    attributes = {name: value["StringValue"] for name, value in dead["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS" and attributes["TARGET_ARN"] == topic
    assert attributes["RULE_ARN"].endswith(":rule/to-source-keyed")
    assert "kms:GenerateDataKey" in attributes["ERROR_MESSAGE"]
    assert json.loads(dead["Body"])["detail"] == {"n": 1}
    assert endpoint.metric_sum("to-source-keyed", "FailedInvocations") == 1


def test_a_topic_key_allowing_eventbridge_on_the_topics_encryption_context_delivers(endpoint) -> None:
    topic_pattern = f"arn:aws:sns:{REGION}:{ACCOUNT}:*"
    condition = {"ArnLike": {"kms:EncryptionContext:aws:sns:topicArn": topic_pattern}}
    topic, url = _encrypted_topic(endpoint, "context-keyed", condition)
    transformer = {
        "InputPathsMap": {"n": "$.detail.n", "who": "$.detail.who", "none": "$.detail.absent"},
        "InputTemplate": '"number <n> from <who> (<none>) on <aws.events.rule-name>"',
    }
    _rule_to(endpoint, "to-context-keyed", {"Arn": topic, "InputTransformer": transformer}, "test.ctx")

    _put(endpoint, "test.ctx", {"n": 7, "who": 'say "hi"'})

    (message,) = endpoint.messages(url)
    assert json.loads(message["Body"]) == 'number 7 from say "hi" () on to-context-keyed'
    assert endpoint.metric_sum("to-context-keyed", "Invocations") == 1
    assert endpoint.metric_sum("to-context-keyed", "FailedInvocations") == 0


def _failing_machine(endpoint: Endpoint) -> str:
    iam = endpoint.client("iam")
    trust = {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = iam.create_role(RoleName="failing-machine", AssumeRolePolicyDocument=_document(trust))["Role"][
        "Arn"
    ]
    definition = {
        "StartAt": "Fail",
        "States": {"Fail": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}},
    }
    return endpoint.client("stepfunctions").create_state_machine(
        name="failing", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


def _until(found: Callable[[], list[dict[str, Any]]], seconds: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if got := found():
            return got
        time.sleep(0.2)
    return []


def test_a_failed_executions_status_change_reaches_a_rule(endpoint) -> None:
    machine = _failing_machine(endpoint)
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/failed-executions"
    send = {
        "Effect": "Allow",
        "Principal": EVENTS,
        "Action": "sqs:SendMessage",
        "Resource": "*",
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    url, arn = endpoint.queue("failed-executions", send)
    pattern = {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"stateMachineArn": [machine], "status": ["FAILED"]},
    }
    events = endpoint.client("events")
    events.put_rule(Name="failed-executions", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="failed-executions", Targets=[{"Id": "queue", "Arn": arn}])

    execution = endpoint.client("stepfunctions").start_execution(stateMachineArn=machine, input='{"a":1}')

    (message,) = _until(lambda: endpoint.messages(url, wait=0))
    event = json.loads(message["Body"])
    assert event["source"] == "aws.states" and event["resources"] == [execution["executionArn"]]
    detail = event["detail"]
    assert detail["status"] == "FAILED" and detail["executionArn"] == execution["executionArn"]
    assert (detail["error"], detail["cause"]) == ("Broken", "on purpose")
    assert detail["input"] == '{"a":1}' and detail["output"] is None
    assert detail["stopDate"] >= detail["startDate"] > 0
    assert event["time"].endswith("Z")


def test_a_scheduled_rule_matches_no_event(endpoint) -> None:
    url, arn = endpoint.queue("scheduled-target", {"Effect": "Allow", "Principal": EVENTS, "Action": "*"})
    events = endpoint.client("events")
    events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="every-minute", Targets=[{"Id": "queue", "Arn": arn}])

    _put(endpoint, "test.anything", {"n": 1})

    assert endpoint.messages(url) == []
