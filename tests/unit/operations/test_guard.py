"""One guard run against the local AWS: a real model of the local Custom Labels service, moto SQS,
CloudWatch, SNS and DynamoDB. What a user notices: the model stops or keeps running, a message says
which and why, and the registry records it."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from customlabels.environment import PowertoolsSettings
from customlabels.operations.guard import Guard
from customlabels.operations.settings import GuardSettings
from customlabels.training.registry import Registry
from local.emulator import moto_integration
from local.emulator.scheduler import ManualScheduler
from local.emulator.settings import ServiceSettings
from local.samples import digit_samples, ensure_bucket, write_samples
from tests.fixtures.local_aws import ClientFactory, in_process_aws, set_test_credentials
from tests.fixtures.tables import create_registry_table

PROJECT = "guarded"
BUCKET = "guard-test"
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RUNS = itertools.count()


@dataclass(frozen=True)
class TrainedModel:
    """The module's one trained model, running; tests stop it, the next test starts it again."""

    client: ClientFactory
    project_arn: str
    version_arn: str
    held: Callable[[], int]

    def status(self) -> str:
        described = self.client("rekognition").describe_project_versions(ProjectArn=self.project_arn)
        return described["ProjectVersionDescriptions"][0]["Status"]

    def start(self) -> None:
        rekognition = self.client("rekognition")
        rekognition.start_project_version(ProjectVersionArn=self.version_arn, MinInferenceUnits=1)
        self.held()


@pytest.fixture(scope="module")
def trained_model() -> Iterator[TrainedModel]:
    """Trained once for the module (training is most of a test's cost): the guard only reads the model
    and stops or keeps it."""
    with pytest.MonkeyPatch.context() as patch:
        set_test_credentials(patch)
        with in_process_aws(ServiceSettings(), ManualScheduler) as client:
            yield train_and_start(client)


def train_and_start(client: ClientFactory) -> TrainedModel:
    held = moto_integration.service_for("123456789012", "us-east-1").scheduler.run_pending
    rekognition, s3 = client("rekognition"), client("s3")
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
    model = TrainedModel(client, project, arn, held)
    model.start()
    return model


@pytest.fixture
def now() -> datetime:
    """The guard's clock: midday UTC, so a day's usage since midnight fits whatever the real time."""
    return NOON


@pytest.fixture
def world(trained_model: TrainedModel):
    """The running model with this test's own registry, queues, topic and metrics (its own `service`
    dimension: moto 5.2.5 matches a metric query with dimensions on them alone, not on the namespace)."""
    if trained_model.status() != "RUNNING":
        trained_model.held()  # STOPPING -> STOPPED
        trained_model.start()
    assert trained_model.status() == "RUNNING"
    client, arn = trained_model.client, trained_model.version_arn
    sqs, sns = client("sqs"), client("sns")
    run = next(RUNS)
    dynamodb = client("dynamodb")
    create_registry_table(dynamodb, f"registry-{run}")
    registry = Registry(f"registry-{run}")
    registry.put_version({"project": PROJECT, "versionName": "v1", "versionArn": arn, "status": "RUNNING"})
    queue_url = sqs.create_queue(QueueName=f"inference-{run}")["QueueUrl"]
    inbox_url = sqs.create_queue(QueueName=f"inbox-{run}")["QueueUrl"]
    topic = sns.create_topic(Name=f"notifications-{run}")["TopicArn"]
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
        registry_table_name=f"registry-{run}",
        idle_check_minutes=10,
        idle_stop_minutes=60,
    )
    powertools = PowertoolsSettings(powertools_service_name=f"customlabels-{run}")
    return World(trained_model, settings, powertools, registry, inbox_url)


@dataclass(frozen=True)
class World:
    model: TrainedModel
    settings: GuardSettings
    powertools: PowertoolsSettings  # its own `service` dimension per test
    registry: Registry
    inbox_url: str

    def guard(self, **policy) -> Guard:
        chosen = replace(
            self.settings,
            idle_stop_minutes=policy.get("idle_minutes", self.settings.idle_stop_minutes),
            max_inference_unit_hours_per_day=policy.get("max_unit_hours_per_day"),
        )
        client = self.model.client
        return Guard(
            chosen,
            rekognition=client("rekognition"),
            cloudwatch=client("cloudwatch"),
            sqs=client("sqs"),
            sns=client("sns"),
            registry=self.registry,
            powertools=self.powertools,
        )

    def status(self) -> str:
        return self.model.status()

    def detections(self, when: datetime, count: int = 1) -> None:
        self.model.client("cloudwatch").put_metric_data(
            Namespace=self.powertools.powertools_metrics_namespace,
            MetricData=[
                {
                    "MetricName": "Detections",
                    "Timestamp": when,
                    "Value": count,
                    "Unit": "Count",
                    "Dimensions": [
                        {"Name": "ProjectName", "Value": PROJECT},
                        {"Name": "VersionName", "Value": "v1"},
                        {"Name": "service", "Value": self.powertools.powertools_service_name},
                    ],
                }
            ],
        )

    def units_in_service(self, since: datetime, periods: int, units: float = 1.0) -> None:
        self.model.client("cloudwatch").put_metric_data(
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
            self.model.client("sqs").send_message(
                QueueUrl=self.settings.queue_url, MessageBody=json.dumps({"n": index})
            )

    def notifications(self) -> list[str]:
        sqs = self.model.client("sqs")
        found = sqs.receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10).get("Messages", [])
        return [message["Body"] for message in found]

    def record(self) -> dict:
        return self.registry.get_version(PROJECT, "v1")


def first_seen(world, now: datetime) -> None:
    """The guard's first look at a running model starts its idle clock."""
    report = world.guard().run(now)
    assert report["models"][0]["reason"] == "recent-traffic"


def test_idle_model_is_stopped_told_and_recorded(world, now: datetime) -> None:
    start = now - timedelta(minutes=70)
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


def test_recent_traffic_keeps_the_model(world, now: datetime) -> None:
    first_seen(world, now - timedelta(minutes=120))
    world.detections(now - timedelta(minutes=12))
    report = world.guard().run(now)
    model = report["models"][0]
    assert (model["verdict"], model["reason"]) == ("keep", "recent-traffic")
    assert 11 <= model["idleMinutes"] <= 12
    assert world.status() == "RUNNING"
    assert world.record()["guardReason"] == "recent-traffic"


def test_queued_messages_keep_an_idle_model_and_say_so(world, now: datetime) -> None:
    first_seen(world, now - timedelta(minutes=120))
    world.notifications()
    world.queue(3)
    report = world.guard().run(now)
    assert (report["queuedMessages"], report["models"][0]["reason"]) == (3, "queued-messages")
    assert world.status() == "RUNNING"
    (message,) = world.notifications()
    assert "kept model v1 running (queued-messages)" in message and "3 message(s) waiting" in message


def test_an_unchanged_keep_is_not_announced_again(world, now: datetime) -> None:
    world.detections(now - timedelta(minutes=1))
    world.guard().run(now - timedelta(minutes=10))
    world.guard().run(now)
    assert len(world.notifications()) == 1


def test_daily_cap_stops_a_busy_model(world, now: datetime) -> None:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    world.units_in_service(midnight, periods=36)  # three unit-hours since midnight
    world.detections(now - timedelta(minutes=1))
    used = world.guard(idle_minutes=60, max_unit_hours_per_day=0.25).run(now)
    assert used["unitHoursToday"] == pytest.approx(3.0)
    assert (used["models"][0]["verdict"], used["models"][0]["reason"]) == ("stop", "over-daily-cap")
    assert world.status() in ("STOPPING", "STOPPED")
    next_day = (midnight + timedelta(days=1)).isoformat(timespec="seconds")
    assert world.record()["capHoldUntil"] == next_day
    message = world.notifications()[-1]
    assert (
        "Raise maxInferenceUnitHoursPerDay" in message and f"not start it again before {next_day}" in message
    )


def test_an_idle_stop_sets_no_cap_hold(world, now: datetime) -> None:
    start = now - timedelta(minutes=70)
    first_seen(world, start)
    world.guard().run(start + timedelta(minutes=70))
    assert "capHoldUntil" not in world.record()
