"""The import trigger: retrain once enough corrected images arrived, on the champion's frozen test set."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from customlabels.feedback.lineage import Lineage
from customlabels.feedback.retrain import RetrainSettings, maybe_retrain
from customlabels.training.registry import Registry
from tests.fixtures.tables import create_registry_table

PROJECT, BUCKET = "digits", "console"
TEST_MANIFEST = f"s3://{BUCKET}/datasets/digits/test.manifest"
TEST_BODY = b'{"source-ref": "s3://console/t.png"}\n'


@pytest.fixture
def retrain_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "t"),
                        ("AWS_SECRET_ACCESS_KEY", "t")):
        monkeypatch.setenv(name, value)
    with mock_aws():
        create_registry_table(boto3.client("dynamodb"))
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="datasets/digits/test.manifest", Body=TEST_BODY)
        sfn = boto3.client("stepfunctions")
        machine = sfn.create_state_machine(
            name="training",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        registry = Registry("registry")
        registry.put_version({
            "project": PROJECT, "versionName": "digits.v1", "testingManifest": TEST_MANIFEST,
            "manifestHashes": {"training": "x", "testing": hashlib.sha256(TEST_BODY).hexdigest()},
        })
        registry.set_champion(PROJECT, "digits.v1", "arn:v1", 0.6)
        yield {"s3": s3, "sfn": sfn, "machine": machine, "registry": registry}


def env(retrain_world: dict[str, Any], after: int | None = 10) -> RetrainSettings:
    return RetrainSettings(PROJECT, "registry", retrain_world["machine"], after)


def imported(retrain_world: dict[str, Any], import_id: str, images: int) -> None:
    Lineage(retrain_world["registry"]).record_import(PROJECT, {
        "importId": import_id, "importedAt": f"2026-01-01T00:00:0{import_id[-1]}+00:00", "imageCount": images,
        "trainingManifest": f"s3://{BUCKET}/datasets/digits/feedback/{import_id}/train.manifest",
    })


def run(retrain_world: dict[str, Any], after: int | None = 10):
    world = retrain_world
    return maybe_retrain(env(world, after), world["registry"], world["s3"], world["sfn"])


def test_below_the_threshold_nothing_starts_and_the_count_is_kept(retrain_world) -> None:
    imported(retrain_world, "i1", 6)
    decision = run(retrain_world)
    assert not decision.started and "6 corrected image(s)" in decision.reason
    assert retrain_world["sfn"].list_executions(stateMachineArn=retrain_world["machine"])["executions"] == []
    assert Lineage(retrain_world["registry"]).pending(PROJECT)["pendingImages"] == 6


def test_reaching_the_threshold_trains_the_newest_merged_manifest_on_the_champions_test_set(
    retrain_world,
) -> None:
    imported(retrain_world, "i1", 6)
    imported(retrain_world, "i2", 5)
    decision = run(retrain_world)
    assert decision.started and decision.images == 11
    [execution] = retrain_world["sfn"].list_executions(stateMachineArn=retrain_world["machine"])["executions"]
    described = retrain_world["sfn"].describe_execution(executionArn=execution["executionArn"])
    payload = json.loads(described["input"])
    assert payload == {
        "projectName": PROJECT,
        "trainingManifest": f"s3://{BUCKET}/datasets/digits/feedback/i2/train.manifest",
        "testingManifest": TEST_MANIFEST,
        "feedbackImages": 11,
    }
    lineage = Lineage(retrain_world["registry"])
    assert lineage.pending(PROJECT)["pendingImages"] == 0
    assert lineage.pending(PROJECT)["lastTraining"]["imports"] == ["i1", "i2"]
    assert {item["trainingExecution"] for item in lineage.imports(PROJECT)} == {execution["executionArn"]}
    assert not run(retrain_world).started  # the same images never start a second training


def test_a_changed_test_manifest_is_refused_and_the_imports_stay_pending(retrain_world) -> None:
    retrain_world["s3"].put_object(Bucket=BUCKET, Key="datasets/digits/test.manifest", Body=b"{}\n")
    imported(retrain_world, "i1", 12)
    decision = run(retrain_world)
    assert not decision.started and "changed since it was trained" in decision.reason
    assert Lineage(retrain_world["registry"]).pending(PROJECT)["pendingImages"] == 12


def test_retraining_off_never_starts(retrain_world) -> None:
    imported(retrain_world, "i1", 500)
    assert "off" in run(retrain_world, after=None).reason
