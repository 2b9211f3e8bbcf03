"""The running-hours cap offline: the local Custom Labels service publishes InServiceInferenceUnits for a
running model, the scheduled guard reads it, stops the model over the daily cap and says so on the topic,
and the daily-cap alarm, evaluated locally, fires into the topic too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local import alarm_evaluation
from local.deploy import fire_rule
from local.emulator.settings import ServiceSettings
from local.samples import ensure_bucket, shape_samples, write_samples
from local.stack import REGION, DeployedStack
from local.synth import LOCAL_PROFILE, load_stack, synthesize
from tests.e2e.harness import running_stack, train_directly, until, version_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT = "customlabels"
CAP = "0.001"  # inference-unit hours per day: under four seconds of one unit
USAGE_PERIOD_SECONDS = 0.5  # one data point per half second, each an accelerated minute in service


@pytest.fixture(scope="module")
def capped(tmp_path_factory) -> Iterator[DeployedStack]:
    context = {**LOCAL_PROFILE, "maxInferenceUnitHoursPerDay": CAP}
    artifact = load_stack(synthesize(tmp_path_factory.mktemp("capped"), context))
    with running_stack(artifact, ServiceSettings(usage_period_seconds=USAGE_PERIOD_SECONDS)) as stack:
        yield stack


def subscribe_queue(stack: DeployedStack) -> str:
    sqs = stack.client("sqs")
    url = sqs.create_queue(QueueName="topic-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.client("sns").subscribe(
        TopicArn=stack.outputs["NotificationsTopicArn"], Protocol="sqs", Endpoint=arn
    )
    return url


def topic_messages(stack: DeployedStack, url: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    )
    return [json.loads(message["Body"]) for message in messages]


def units_in_service_points(stack: DeployedStack, version: str) -> int:
    listed = stack.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Rekognition",
        MetricName="InServiceInferenceUnits",
        Dimensions=[{"Name": "ProjectName", "Value": PROJECT}, {"Name": "VersionName", "Value": version}],
        StartTime="2000-01-01T00:00:00Z",
        EndTime="2100-01-01T00:00:00Z",
        Period=86400,
        Statistics=["SampleCount"],
    )["Datapoints"]
    return int(sum(point["SampleCount"] for point in listed))


def cap_alarm_changes(account: str) -> list[str]:
    """Evaluate the alarms now; the states the daily-cap alarm moved to."""
    return [c.state for c in alarm_evaluation.evaluate(account, REGION) if "DailyUnitHours" in c.alarm]


def test_a_model_over_the_daily_cap_is_stopped_and_the_alarm_fires(capped: DeployedStack) -> None:
    stack, outputs = capped, capped.outputs
    topic = subscribe_queue(stack)
    bucket = outputs["ConsoleBucketName"]
    s3, rekognition = stack.client("s3"), stack.client("rekognition")
    ensure_bucket(s3, bucket)
    manifests = write_samples(s3, shape_samples(40), bucket, f"datasets/{PROJECT}/shapes")
    arn = train_directly(rekognition, manifests, PROJECT, "v1", f"s3://{bucket}/training-output/{PROJECT}/")
    project_arn = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0][
        "ProjectArn"
    ]
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    until(lambda: version_status(rekognition, project_arn, "v1") == "RUNNING", 60, "the model to run")
    # CloudWatch queries end on a whole second: two seconds of points leave some in the guard's window
    until(lambda: units_in_service_points(stack, "v1") >= 4, 30, "InServiceInferenceUnits data points")

    account = stack.client("sts").get_caller_identity()["Account"]
    assert cap_alarm_changes(account) == []  # the guard has reported nothing over the cap yet

    deployment = stack.deployment
    (rule,) = [r.logical_id for r in deployment.scheduled() if "Guard" in r.logical_id]
    (fired,) = fire_rule(deployment, rule)
    assert not fired.get("FunctionError"), fired
    (model,) = fired["Payload"]["models"]
    assert (model["verdict"], model["reason"]) == ("stop", "over-daily-cap"), model
    assert fired["Payload"]["unitHoursToday"] > float(CAP)
    until(lambda: version_status(rekognition, project_arn, "v1") == "STOPPED", 30, "the model to stop")

    assert cap_alarm_changes(account) == ["ALARM"]
    received = topic_messages(stack, topic) + topic_messages(stack, topic)
    alarms = [json.loads(m["Message"]) for m in received if m.get("Subject", "").startswith("ALARM:")]
    assert [a["NewStateValue"] for a in alarms if "DailyUnitHours" in a["AlarmName"]] == ["ALARM"], received
    stops = [
        m for m in received if m.get("MessageAttributes", {}).get("event", {}).get("Value") == "model-stopped"
    ]
    assert stops and "over-daily-cap" in stops[0]["Message"]
