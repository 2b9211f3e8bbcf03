"""The idle guard on the synthesized stack deployed locally, fired as its EventBridge schedule would.

Traffic is real: an upload goes S3 -> SQS -> detect, whose Powertools EMF output becomes the
``Detections`` metric through local/emf.py, and the guard reads it back from CloudWatch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from customlabels.training.registry import Registry
from local.deploy import Deployment, fire_rule
from local.emulator.settings import ServiceSettings
from tests.e2e.harness import running_stack
from tests.e2e.test_inference import PROJECT, Pipeline, _train_champion, _until
from tests.unit.inference import images

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Operations:
    def __init__(self, pipeline: Pipeline, deployment: Deployment) -> None:
        self.pipeline = pipeline
        self.deployment = deployment
        self.registry = Registry(
            pipeline.outputs["RegistryTableName"],
            pipeline.session.resource("dynamodb", endpoint_url=pipeline.url),
        )
        sqs = pipeline.client("sqs")
        self.inbox = sqs.create_queue(QueueName="operations-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]
        pipeline.client("sns").subscribe(
            TopicArn=pipeline.outputs["NotificationsTopicArn"],
            Protocol="sqs",
            Endpoint=inbox_arn["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )

    @property
    def model(self) -> dict[str, str]:
        return self.pipeline.model

    def fire_guard(self) -> dict[str, Any]:
        (rule,) = [r.logical_id for r in self.deployment.scheduled() if "GuardSchedule" in r.logical_id]
        (result,) = fire_rule(self.deployment, rule)
        assert result["FunctionError"] is None, result["Payload"]
        return result["Payload"]

    def run_model(self) -> None:
        rekognition = self.pipeline.rekognition
        status = self.pipeline.model_status(self.model["projectArn"], "v1")
        if status != "RUNNING":
            _until(
                lambda: self.pipeline.model_status(self.model["projectArn"], "v1"), lambda s: s != "STOPPING"
            )
            rekognition.start_project_version(ProjectVersionArn=self.model["versionArn"], MinInferenceUnits=1)
            _until(
                lambda: self.pipeline.model_status(self.model["projectArn"], "v1"), lambda s: s == "RUNNING"
            )

    def seen_running_since(self, minutes: int) -> None:
        """As if the guard had watched the model run for ``minutes`` (the idle window is 60 by default)."""
        since = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")
        self.registry.update_version(PROJECT, "v1", guardSawStatus="RUNNING", runningSince=since)

    def notifications(self) -> list[str]:
        found = self.pipeline.client("sqs").receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10)
        return [message["Body"] for message in found.get("Messages", [])]

    def decision(self, summary: dict[str, Any]) -> tuple[str, str]:
        (model,) = [m for m in summary["models"] if m["versionName"] == "v1"]
        return model["verdict"], model["reason"]


@pytest.fixture(scope="module")
def operations(stack_artifact) -> Iterator[Operations]:
    with running_stack(stack_artifact, ServiceSettings(seed=11)) as stack:
        pipeline = Pipeline(stack.endpoint_url, stack.outputs, stack.sources)
        pipeline.model = _train_champion(pipeline)
        ops = Operations(pipeline, stack.deployment)
        if ops.registry.get_version(PROJECT, "v1") is None:
            ops.registry.put_version(
                {"project": PROJECT, "versionName": "v1", "versionArn": pipeline.model["versionArn"]}
            )
        yield ops


# The three cases run in this order: traffic from the last one would count for the others.
def test_running_model_without_traffic_is_stopped_and_announced(operations: Operations) -> None:
    operations.run_model()
    operations.seen_running_since(minutes=90)
    summary = operations.fire_guard()
    assert operations.decision(summary) == ("stop", "idle")
    status = operations.pipeline.model_status(operations.model["projectArn"], "v1")
    assert status in ("STOPPING", "STOPPED")
    assert any("stopped model v1 (idle)" in message for message in operations.notifications())
    record = operations.registry.get_version(PROJECT, "v1")
    assert (record["guardVerdict"], record["guardReason"]) == ("stop", "idle") and record["stoppedAt"]


def test_queued_messages_keep_a_model_without_traffic(operations: Operations) -> None:
    operations.run_model()
    operations.seen_running_since(minutes=90)
    sqs = operations.pipeline.client("sqs")
    queue = operations.pipeline.outputs["InferenceQueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": []}), DelaySeconds=900)
    try:
        summary = operations.fire_guard()
    finally:
        sqs.purge_queue(QueueUrl=queue)
    assert operations.decision(summary) == ("keep", "queued-messages")
    assert operations.pipeline.model_status(operations.model["projectArn"], "v1") == "RUNNING"
    assert any("kept model v1 running (queued-messages)" in m for m in operations.notifications())
    assert operations.registry.get_version(PROJECT, "v1")["guardReason"] == "queued-messages"


def test_recent_detections_keep_the_model(operations: Operations) -> None:
    operations.run_model()
    operations.seen_running_since(minutes=90)
    operations.pipeline.upload_all({"guard/traffic.png": images.png(96, 96)})
    operations.pipeline.wait()
    _until(operations.pipeline.result_keys, lambda keys: any("guard/traffic.png" in k for k in keys))
    summary = operations.fire_guard()
    results = {k: operations.pipeline.result(k) for k in operations.pipeline.result_keys() if "guard/" in k}
    assert operations.decision(summary) == ("keep", "recent-traffic"), (summary, results)
    assert operations.pipeline.model_status(operations.model["projectArn"], "v1") == "RUNNING"
    assert any("kept model v1 running (recent-traffic)" in m for m in operations.notifications())
    assert operations.registry.get_version(PROJECT, "v1")["guardReason"] == "recent-traffic"
