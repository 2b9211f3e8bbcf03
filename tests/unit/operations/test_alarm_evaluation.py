"""Local alarm evaluation: an alarm's statistic over its periods against moto's stored data points."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from local import access
from local.alarm_evaluation import AlarmEvaluator, evaluate
from local.emulator import moto_integration

ACCOUNT, REGION = "123456789012", "us-east-1"
NOW = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)


def alarm(cloudwatch, name: str = "hours", **overrides) -> None:
    cloudwatch.put_metric_alarm(
        **{
            "AlarmName": name,
            "Namespace": "CustomLabelsPipeline",
            "MetricName": "InferenceUnitHoursToday",
            "Dimensions": [{"Name": "ProjectName", "Value": "p"}],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 0.5,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            **overrides,
        }
    )


def put(cloudwatch, value: float, seconds_ago: float, project: str = "p") -> None:
    cloudwatch.put_metric_data(
        Namespace="CustomLabelsPipeline",
        MetricData=[
            {
                "MetricName": "InferenceUnitHoursToday",
                "Dimensions": [{"Name": "ProjectName", "Value": project}],
                "Value": value,
                "Timestamp": NOW - timedelta(seconds=seconds_ago),
            }
        ],
    )


def state(cloudwatch, name: str = "hours") -> dict:
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def test_a_breaching_period_sets_alarm_with_cloudwatchs_reason_then_ok_once_it_passes(local_client) -> None:
    cloudwatch = local_client("cloudwatch")
    alarm(cloudwatch)
    put(cloudwatch, 0.2, 20)
    put(cloudwatch, 0.7, 10)
    put(cloudwatch, 9.0, 10, project="other")  # another dimension value: not this alarm's metric
    put(cloudwatch, 9.0, 90)  # before the period
    (change,) = evaluate(ACCOUNT, REGION, NOW)
    assert (change.previous, change.state) == ("OK", "ALARM")
    described = state(cloudwatch)
    assert described["StateValue"] == "ALARM"
    assert described["StateReason"].startswith("Threshold Crossed: 1 datapoint(s) [0.7 (")
    assert "greater than or equal to the threshold (0.5)" in described["StateReason"]
    assert json.loads(described["StateReasonData"])["threshold"] == 0.5
    assert evaluate(ACCOUNT, REGION, NOW) == []  # no change, no second action
    (change,) = evaluate(ACCOUNT, REGION, NOW + timedelta(minutes=2))
    assert change.state == "OK"


@pytest.mark.parametrize(
    ("treat", "expected"),
    [("notBreaching", "OK"), ("missing", "INSUFFICIENT_DATA"), ("breaching", "ALARM"), ("ignore", "OK")],
)
def test_periods_without_data_follow_treat_missing_data(local_client, treat: str, expected: str) -> None:
    cloudwatch = local_client("cloudwatch")
    alarm(cloudwatch, TreatMissingData=treat)
    evaluate(ACCOUNT, REGION, NOW)
    assert state(cloudwatch)["StateValue"] == expected  # moto's initial state is OK; ignore keeps it


def test_datapoints_to_alarm_of_evaluation_periods_and_each_statistic(local_client) -> None:
    cloudwatch = local_client("cloudwatch")
    alarm(cloudwatch, "sum", Statistic="Sum", EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=3)
    alarm(cloudwatch, "average", Statistic="Average", Threshold=2, ComparisonOperator="LessThanThreshold")
    for value, seconds_ago in ((2, 150), (2, 140), (1, 90), (1, 20), (2, 10)):
        put(cloudwatch, value, seconds_ago)
    changes = {change.alarm: change.state for change in evaluate(ACCOUNT, REGION, NOW)}
    # periods (oldest first): sums 4, 1, 3 -> two breach; the last period's average 1.5 < 2
    assert changes == {"sum": "ALARM", "average": "ALARM"}


def cloudwatch_may_publish(topic: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic,
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_alarm_actions_publish_to_the_topic(local_client) -> None:
    access.install(moto_integration.project_resource_policy, moto_integration.resource_tags)
    try:
        cloudwatch, sns, sqs = local_client("cloudwatch"), local_client("sns"), local_client("sqs")
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sns.set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=cloudwatch_may_publish(topic)
        )
        queue = sqs.create_queue(QueueName="alarms")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        alarm(cloudwatch, AlarmActions=[topic])
        put(cloudwatch, 1.0, 5)
        evaluate(ACCOUNT, REGION, NOW)
        (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
        body = json.loads(json.loads(message["Body"])["Message"])
        assert (body["AlarmName"], body["OldStateValue"], body["NewStateValue"]) == ("hours", "OK", "ALARM")
    finally:
        access.uninstall()


def test_the_evaluator_thread_runs_until_stopped(local_client) -> None:
    cloudwatch = local_client("cloudwatch")
    alarm(cloudwatch, TreatMissingData="missing")
    evaluator = AlarmEvaluator(0.05).start()
    try:
        for _ in range(100):
            if state(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA":
                break
            time.sleep(0.05)
        assert state(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"
    finally:
        evaluator.stop()
