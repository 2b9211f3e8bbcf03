"""Acceptance of the training pipeline: the synthesized state machines run on the local endpoint.

One digits sample is uploaded per module; each test starts executions the way a user would
(StartExecution with the documented input) and checks what a user would see: the execution's
status, output or Fail cause, the model's status, the registry and the SNS messages.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from local import policy_update
from local.emulator import moto_integration
from local.emulator.capacity import FaultInjector
from local.emulator.settings import Faults
from local.samples import digit_samples, write_samples
from tests.e2e.harness import role_policy, the_one_end, topic_reader

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SAMPLE_SIZE = 150
EXECUTION_TIMEOUT = 180
LOW_THRESHOLD = 0.3  # the happy path tests the pipeline, not the local trainer's accuracy


class Pipeline:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.outputs = stack.outputs
        self.sfn = stack.client("stepfunctions")
        self.rekognition = stack.client("rekognition")
        self.s3 = stack.client("s3")
        self.bucket = self.outputs["ConsoleBucketName"]
        self.project = _managed_project(stack.artifact.template)
        dynamodb = boto3.resource(
            "dynamodb",
            endpoint_url=stack.endpoint_url,
            region_name=stack.session.region_name,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.registry = dynamodb.Table(self.outputs["RegistryTableName"])
        self.manifests = write_samples(
            self.s3, digit_samples(SAMPLE_SIZE), self.bucket, f"datasets/{self.project}/digits"
        )

    def run(self, machine: str, payload: Any, name: str | None = None) -> dict:
        arn = self.sfn.start_execution(
            stateMachineArn=self.outputs[machine],
            name=name or f"e2e-{uuid.uuid4().hex[:12]}",
            input=json.dumps(payload),
        )["executionArn"]
        deadline = time.monotonic() + EXECUTION_TIMEOUT
        while True:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return execution
            if time.monotonic() > deadline:
                pytest.fail(f"{arn} still RUNNING after {EXECUTION_TIMEOUT} s")
            time.sleep(0.2)

    def train(self, version: str, **settings: Any) -> dict:
        payload = {
            "projectName": self.project,
            "trainingManifest": self.manifests["train"],
            "testingManifest": self.manifests["test"],
            "versionName": version,
            "f1Threshold": LOW_THRESHOLD,
            "requireImprovement": False,
            **settings,
        }
        return self.run("TrainingStateMachineArn", payload)

    def control(self, action: str, version: str) -> dict:
        return self.run(
            "ModelControlStateMachineArn",
            {"action": action, "projectName": self.project, "versionName": version},
        )

    def project_arn(self) -> str | None:
        found = self.rekognition.describe_projects(ProjectNames=[self.project])["ProjectDescriptions"]
        return found[0]["ProjectArn"] if found else None

    def model(self, version: str) -> dict:
        return self.rekognition.describe_project_versions(
            ProjectArn=self.project_arn(), VersionNames=[version]
        )["ProjectVersionDescriptions"][0]

    def champion(self) -> dict | None:
        return self.registry.get_item(Key={"project": self.project, "sk": "CHAMPION"}).get("Item")

    def version_item(self, version: str) -> dict | None:
        return self.registry.get_item(Key={"project": self.project, "sk": f"VERSION#{version}"}).get("Item")

    def versions(self) -> set[str]:
        arn = self.project_arn()
        if not arn:
            return set()
        found = self.rekognition.describe_project_versions(ProjectArn=arn)["ProjectVersionDescriptions"]
        return {v["ProjectVersionArn"] for v in found}

    def datasets(self) -> list[str]:
        found = self.rekognition.describe_projects(ProjectNames=[self.project])["ProjectDescriptions"]
        return sorted(d["DatasetArn"] for d in found[0].get("Datasets", [])) if found else []


def _managed_project(template: dict) -> str:
    for resource in template["Resources"].values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        if "PROJECT_NAME" in variables:
            return variables["PROJECT_NAME"]
    raise AssertionError("no training Lambda with PROJECT_NAME in the template")


@pytest.fixture(scope="module")
def pipeline(deployed_stack) -> Pipeline:
    return Pipeline(deployed_stack)


@pytest.fixture(scope="module")
def notifications(deployed_stack) -> Callable[[], list[dict]]:
    """A reader of the topic's messages, as a subscriber gets them."""
    return topic_reader(deployed_stack)


@pytest.fixture(scope="module")
def first_run(pipeline: Pipeline, notifications) -> dict:
    """The happy path, once: the state right after it, before other tests move the champion."""
    execution = pipeline.train("digits-first")
    return {
        "execution": execution,
        "champion": pipeline.champion(),
        "item": pipeline.version_item("digits-first"),
        "model": pipeline.model("digits-first") if execution["status"] == "SUCCEEDED" else None,
    }


def test_happy_path_trains_starts_and_promotes_the_model(
    pipeline: Pipeline, first_run: dict, notifications
) -> None:
    execution = first_run["execution"]
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    assert output["outcome"] == "PROMOTED" and output["deployed"] is True
    assert output["versionName"] == "digits-first" and output["status"] == "RUNNING"
    assert LOW_THRESHOLD <= output["f1Score"] <= 1.0
    assert {row["label"] for row in output["labels"]} == {str(digit) for digit in range(10)}
    assert first_run["model"]["Status"] == "RUNNING"
    assert first_run["champion"]["versionArn"] == output["versionArn"]
    item = first_run["item"]
    for key in (
        "versionArn",
        "projectArn",
        "status",
        "f1Score",
        "labels",
        "thresholds",
        "trainingManifest",
        "testingManifest",
        "manifestHashes",
        "datasetArns",
        "executionArn",
        "createdAt",
        "startedAt",
        "promotedAt",
        "summaryUri",
        "snapshotUri",
        "gate",
    ):
        assert item.get(key) is not None, f"registry item lacks {key}"
    assert item["status"] == "RUNNING" and item["executionArn"] == execution["executionArn"]
    notice = the_one_end(notifications, execution["executionArn"])
    name = execution["executionArn"].rsplit(":", 1)[-1]
    assert notice["Subject"] == f"{pipeline.project}: training succeeded"
    assert notice["Message"].startswith(
        f"The training run {name} of {pipeline.project} succeeded: digits-first is RUNNING and "
        "is the champion"
    )
    assert f"#/v2/executions/details/{execution['executionArn']}" in notice["Message"]


def _mislabelled_test_manifest(pipeline: Pipeline, wrong: int) -> str:
    """The test manifest with `wrong` lines given another digit: no model can score F1 1.0 on it."""
    bucket, key = pipeline.manifests["test"].removeprefix("s3://").split("/", 1)
    lines = [
        json.loads(line)
        for line in pipeline.s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines()
    ]
    for line in lines[:wrong]:
        metadata = line["digit-metadata"]
        metadata["class-name"] = str((int(metadata["class-name"]) + 1) % 10)
    noisy = key.replace("test.manifest", "mislabelled-test.manifest")
    pipeline.s3.put_object(
        Bucket=bucket, Key=noisy, Body="\n".join(json.dumps(line) for line in lines).encode()
    )
    return f"s3://{bucket}/{noisy}"


def test_gate_failure_keeps_the_model_trained_and_stopped(pipeline: Pipeline, notifications) -> None:
    testing = _mislabelled_test_manifest(pipeline, wrong=5)
    execution = pipeline.train("digits-strict", f1Threshold=0.999, testingManifest=testing)
    assert execution["status"] == "FAILED"
    assert execution["error"] == "GateFailed"
    assert "below the threshold 0.9990" in execution["cause"]
    assert "stays trained and is not started" in execution["cause"]
    assert pipeline.model("digits-strict")["Status"] == "TRAINING_COMPLETED"
    notice = the_one_end(notifications, execution["executionArn"])
    assert notice["Subject"].endswith(": training failed (GateFailed)")
    assert "failed with GateFailed: " in notice["Message"] and execution["cause"] in notice["Message"]


def test_invalid_manifest_stops_before_anything_is_created(pipeline: Pipeline, notifications) -> None:
    key = f"datasets/{pipeline.project}/broken/train.manifest"
    pipeline.s3.put_object(Bucket=pipeline.bucket, Key=key, Body=b"{not json\n" * 12)
    before = (pipeline.versions(), pipeline.datasets())
    execution = pipeline.train("digits-broken", trainingManifest=f"s3://{pipeline.bucket}/{key}")
    assert execution["status"] == "FAILED" and execution["error"] == "ManifestInvalid"
    assert "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST" in execution["cause"]
    assert "ERROR_INVALID_JSON_LINE" in execution["cause"]
    assert "manifest_summary.json" in execution["cause"]
    assert (pipeline.versions(), pipeline.datasets()) == before
    notice = the_one_end(notifications, execution["executionArn"])
    assert notice["Subject"].endswith(": training failed (ManifestInvalid)")
    assert "failed with ManifestInvalid: " in notice["Message"]
    assert "ERROR_INVALID_JSON_LINE" in notice["Message"]


def test_training_failure_reports_the_status_message(pipeline: Pipeline, monkeypatch) -> None:
    from local.emulator import backend

    real = backend.run_training

    def rejected(request, s3):
        outcome = real(request, s3)
        return replace(
            outcome,
            status="TRAINING_FAILED",
            message="Amazon Rekognition experienced a service issue.",
            model=None,
        )

    monkeypatch.setattr(backend, "run_training", rejected)
    execution = pipeline.train("digits-rejected")
    assert execution["status"] == "FAILED" and execution["error"] == "TrainingFailed"
    assert "digits-rejected: Amazon Rekognition experienced a service issue." in execution["cause"]
    assert "manifest summary" in execution["cause"]
    item = pipeline.version_item("digits-rejected")
    assert item["status"] == "TRAINING_FAILED"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"trainingManifest": "s3://b/x.manifest"}, "projectName is required"),
        ({"projectName": "PLACEHOLDER"}, "trainingManifest is required"),
        ({"projectName": "PLACEHOLDER", "trainingManifest": "train.manifest"}, "is not an S3 URI"),
        (
            {"projectName": "PLACEHOLDER", "trainingManifest": "s3://b/x.manifest", "deploy": "yes"},
            "deploy='yes'",
        ),
    ],
)
def test_bad_input_fails_at_once_with_the_message(
    pipeline: Pipeline, notifications, payload: dict, message: str
) -> None:
    payload = {key: pipeline.project if value == "PLACEHOLDER" else value for key, value in payload.items()}
    before = pipeline.versions()
    execution = pipeline.run("TrainingStateMachineArn", payload)
    assert execution["status"] == "FAILED" and execution["error"] == "InvalidInput"
    assert message in execution["cause"] and "Accepted form" in execution["cause"]
    assert pipeline.versions() == before
    notice = the_one_end(notifications, execution["executionArn"])
    assert notice["Subject"].endswith(": training failed (InvalidInput)") and message in notice["Message"]


def test_second_run_replaces_the_champion_and_model_control_rolls_back(
    pipeline: Pipeline, first_run: dict
) -> None:
    assert first_run["execution"]["status"] == "SUCCEEDED"
    second = pipeline.train("digits-second")
    assert second["status"] == "SUCCEEDED", second.get("cause")
    output = json.loads(second["output"])
    assert output["previousChampion"]["versionName"] == "digits-first"
    assert pipeline.champion()["versionName"] == "digits-second"
    assert pipeline.model("digits-first")["Status"] in ("STOPPING", "STOPPED")

    rollback = pipeline.control("promote", "digits-first")
    assert rollback["status"] == "SUCCEEDED", rollback.get("cause")
    assert json.loads(rollback["output"])["champion"]["versionName"] == "digits-first"
    assert pipeline.champion()["versionName"] == "digits-first"
    assert pipeline.model("digits-first")["Status"] == "RUNNING"
    assert pipeline.model("digits-second")["Status"] in ("STOPPING", "STOPPED")

    stopped = pipeline.control("stop", "digits-second")
    assert stopped["status"] == "SUCCEEDED"
    assert pipeline.model("digits-second")["Status"] == "STOPPED"
    assert pipeline.version_item("digits-second")["status"] == "STOPPED"


def test_model_control_refuses_an_unknown_version(pipeline: Pipeline) -> None:
    execution = pipeline.control("start", "no-such-version")
    assert execution["status"] == "FAILED" and execution["error"] == "InvalidInput"
    assert "'no-such-version' does not exist" in execution["cause"]


def test_rerunning_the_same_execution_input_reuses_the_version(pipeline: Pipeline) -> None:
    first = pipeline.train("digits-repeat", deploy=False)
    again = pipeline.train("digits-repeat", deploy=False)
    assert (first["status"], again["status"]) == ("SUCCEEDED", "SUCCEEDED")
    assert json.loads(first["output"])["versionArn"] == json.loads(again["output"])["versionArn"]
    names = [
        item["versionName"]
        for item in pipeline.registry.query(KeyConditionExpression=Key("project").eq(pipeline.project))[
            "Items"
        ]
    ]
    assert names.count("digits-repeat") == 1


def test_happy_path_survives_30_percent_throttling(pipeline: Pipeline, deployed_stack) -> None:
    region = deployed_stack.session.region_name
    account = deployed_stack.deployment.account_id
    service = moto_integration.service_for(account, region)
    calm = service.faults
    service.faults = FaultInjector(Faults(throttle=0.3), seed=30)
    try:
        execution = pipeline.train("digits-throttled")
    finally:
        service.faults = calm
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert json.loads(execution["output"])["outcome"] == "PROMOTED"
    assert pipeline.model("digits-throttled")["Status"] == "RUNNING"


def test_a_taken_version_name_fails_before_the_datasets_are_replaced(
    pipeline: Pipeline, first_run: dict
) -> None:
    assert first_run["execution"]["status"] == "SUCCEEDED"
    body = pipeline.s3.get_object(Bucket=pipeline.bucket, Key=pipeline.manifests["train"].split("/", 3)[3])
    other = f"datasets/{pipeline.project}/other/train.manifest"
    lines = body["Body"].read().splitlines()
    pipeline.s3.put_object(Bucket=pipeline.bucket, Key=other, Body=b"\n".join(reversed(lines)) + b"\n")
    before = (pipeline.versions(), pipeline.datasets())
    execution = pipeline.train("digits-first", trainingManifest=f"s3://{pipeline.bucket}/{other}")
    assert execution["status"] == "FAILED" and execution["error"] == "InvalidInput"
    assert "exists already and was trained from other manifests" in execution["cause"]
    assert (pipeline.versions(), pipeline.datasets()) == before


def test_an_unexpected_lambda_error_reaches_the_cause_without_trace_or_paths(
    pipeline: Pipeline, deployed_stack
) -> None:
    policy = role_policy("prepare_datasets")(deployed_stack.artifact.template)
    with policy_update.without_grant(deployed_stack.deployment, policy, "rekognition:CreateDataset"):
        execution = pipeline.train("digits-denied", deploy=False)
    assert execution["status"] == "FAILED" and execution["error"] == "DatasetFailed"
    cause = execution["cause"]
    assert re.match(r"(Prepare|Check)Datasets failed with AccessDeniedException: ", cause), cause
    assert "rekognition:CreateDataset" in cause
    assert "stackTrace" not in cause and "Traceback" not in cause and 'File "' not in cause
    assert str(Path(__file__).resolve().parents[2]) not in cause
