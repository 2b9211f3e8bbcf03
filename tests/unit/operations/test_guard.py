"""One guard run against the local AWS: a real model of the local Custom Labels service, moto SQS,
CloudWatch, SNS and DynamoDB. What a user notices: the model stops or keeps running, a message says
which and why, and the registry records it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from customlabels.operations.guard import Guard
from customlabels.operations.settings import GuardSettings
from customlabels.training.registry import Registry
from local.emulator import moto_integration
from local.emulator.scheduler import ManualScheduler
from local.samples import digit_samples, ensure_bucket, write_samples
from tests.fixtures.tables import create_registry_table

PROJECT = "guarded"
BUCKET = "guard-test"
SERVICE = "customlabels"


@pytest.fixture
def world(aws, service_settings):
    moto_integration.configure(service_settings, ManualScheduler)
    held = moto_integration.service_for("123456789012", "us-east-1").scheduler.run_pending
    rekognition, s3, sqs, sns = aws("rekognition"), aws("s3"), aws("sqs"), aws("sns")
    ensure_bucket(s3, BUCKET)
    uris = write_samples(s3, digit_samples(60), BUCKET, "digits")
    project = rekognition.create_project(ProjectName=PROJECT)["ProjectArn"]
    for kind, uri in (("TRAIN", uris["train"]), ("TEST", uris["test"])):
        rekognition.create_dataset(
            ProjectArn=project,
            DatasetType=kind,
            DatasetSource={
                "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": uri.split("/", 3)[3]}}
            },
        )
    held()
    arn = rekognition.create_project_version(
        ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "out"}
    )["ProjectVersionArn"]
    held()
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    held()

    dynamodb = aws("dynamodb")
    create_registry_table(dynamodb, "registry")
    registry = Registry("registry")
    registry.put_version({"project": PROJECT, "versionName": "v1", "versionArn": arn, "status": "RUNNING"})
    queue_url = sqs.create_queue(QueueName="inference")["QueueUrl"]
    inbox_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"}
    )
    settings = GuardSettings(
        project_name=PROJECT,
        queue_url=queue_url,
        topic_arn=topic,
        registry_table_name="registry",
        idle_check_minutes=10,
        idle_stop_minutes=60,
    )

    class World:
        version_arn = arn

        def guard(self, **policy) -> Guard:
            chosen = (
                settings
                if not policy
                else replace(
                    settings,
                    idle_stop_minutes=policy.get("idle_minutes", 60),
                    max_inference_unit_hours_per_day=policy.get("max_unit_hours_per_day"),
                )
            )
            return Guard(
                chosen,
                rekognition=rekognition,
                cloudwatch=aws("cloudwatch"),
                sqs=sqs,
                sns=sns,
                registry=registry,
            )

        def status(self) -> str:
            return rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0][
                "Status"
            ]

        def detections(self, when: datetime, count: int = 1) -> None:
            aws("cloudwatch").put_metric_data(
                Namespace="CustomLabelsPipeline",
                MetricData=[
                    {
                        "MetricName": "Detections",
                        "Timestamp": when,
                        "Value": count,
                        "Unit": "Count",
                        "Dimensions": [
                            {"Name": "ProjectName", "Value": PROJECT},
                            {"Name": "VersionName", "Value": "v1"},
                            {"Name": "service", "Value": SERVICE},
                        ],
                    }
                ],
            )

        def units_in_service(self, since: datetime, periods: int, units: float = 1.0) -> None:
            aws("cloudwatch").put_metric_data(
                Namespace="AWS/Rekognition",
                MetricData=[
                    {
                        "MetricName": "InServiceInferenceUnits",
                        "Timestamp": since + timedelta(minutes=5 * i),
                        "Value": units,
                        "Dimensions": [
                            {"Name": "ProjectName", "Value": PROJECT},
                            {"Name": "VersionName", "Value": "v1"},
                        ],
                    }
                    for i in range(periods)
                ],
            )

        def queue(self, messages: int) -> None:
            for index in range(messages):
                sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"n": index}))

        def notifications(self) -> list[str]:
            found = sqs.receive_message(QueueUrl=inbox_url, MaxNumberOfMessages=10).get("Messages", [])
            return [message["Body"] for message in found]

        def record(self) -> dict:
            return registry.get_version(PROJECT, "v1")

    return World()


def first_seen(world, now: datetime) -> None:
    """The guard's first look at a running model starts its idle clock."""
    report = world.guard().run(now)
    assert report["models"][0]["reason"] == "recent-traffic"


def test_idle_model_is_stopped_told_and_recorded(world) -> None:
    start = datetime.now(UTC) - timedelta(minutes=70)
    first_seen(world, start)
    assert "kept model v1 running (recent-traffic)" in world.notifications()[0]
    report = world.guard().run(start + timedelta(minutes=70))
    assert [(m["verdict"], m["reason"]) for m in report["models"]] == [("stop", "idle")]
    assert world.status() in ("STOPPING", "STOPPED")
    (message,) = world.notifications()
    assert "stopped model v1" in message and "no images analysed for 70 min" in message
    record = world.record()
    assert (record["guardVerdict"], record["guardReason"], record["runningSince"]) == ("stop", "idle", None)
    assert record["status"] in ("STOPPING", "STOPPED") and record["stoppedAt"]


def test_recent_traffic_keeps_the_model(world) -> None:
    now = datetime.now(UTC)
    first_seen(world, now - timedelta(minutes=120))
    world.detections(now - timedelta(minutes=12))
    report = world.guard().run(now)
    model = report["models"][0]
    assert (model["verdict"], model["reason"]) == ("keep", "recent-traffic")
    assert 11 <= model["idleMinutes"] <= 12
    assert world.status() == "RUNNING"
    assert world.record()["guardReason"] == "recent-traffic"


def test_queued_messages_keep_an_idle_model_and_say_so(world) -> None:
    now = datetime.now(UTC)
    first_seen(world, now - timedelta(minutes=120))
    world.notifications()
    world.queue(3)
    report = world.guard().run(now)
    assert (report["queuedMessages"], report["models"][0]["reason"]) == (3, "queued-messages")
    assert world.status() == "RUNNING"
    (message,) = world.notifications()
    assert "kept model v1 running (queued-messages)" in message and "3 message(s) waiting" in message


def test_an_unchanged_keep_is_not_announced_again(world) -> None:
    now = datetime.now(UTC)
    world.detections(now - timedelta(minutes=1))
    world.guard().run(now - timedelta(minutes=10))
    world.guard().run(now)
    assert len(world.notifications()) == 1


def test_daily_cap_stops_a_busy_model(world) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    world.units_in_service(midnight, periods=min(36, int((now - midnight).total_seconds() // 300)))
    world.detections(now - timedelta(minutes=1))
    used = world.guard(idle_minutes=60, max_unit_hours_per_day=0.25).run(now)
    if (now - midnight) < timedelta(minutes=15):
        pytest.skip("too close to midnight UTC for three usage periods")
    assert used["unitHoursToday"] >= 0.25
    assert (used["models"][0]["verdict"], used["models"][0]["reason"]) == ("stop", "over-daily-cap")
    assert world.status() in ("STOPPING", "STOPPED")
    next_day = (midnight + timedelta(days=1)).isoformat(timespec="seconds")
    assert world.record()["capHoldUntil"] == next_day
    message = world.notifications()[-1]
    assert (
        "Raise maxInferenceUnitHoursPerDay" in message and f"not start it again before {next_day}" in message
    )


def test_an_idle_stop_sets_no_cap_hold(world) -> None:
    start = datetime.now(UTC) - timedelta(minutes=70)
    first_seen(world, start)
    world.guard().run(start + timedelta(minutes=70))
    assert "capHoldUntil" not in world.record()
