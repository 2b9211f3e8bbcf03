"""The model registry on DynamoDB (moto): items, champion pointer and number round trips."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from customlabels.training.registry import Registry, version_record
from tests.fixtures.tables import create_registry_table


@pytest.fixture
def registry(aws_credentials):
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        create_registry_table(dynamodb, "registry")
        yield Registry("registry", dynamodb)


def version(name: str, **extra) -> dict:
    return {
        "project": "digits",
        "versionName": name,
        "versionArn": f"arn:aws:rekognition:::project/digits/version/{name}/1",
        "status": "TRAINING_IN_PROGRESS",
        **extra,
    }


def test_versions_round_trip_with_floats_and_nested_tables(registry: Registry) -> None:
    labels = [{"label": "3", "f1Score": 0.875, "testingImages": 12}]
    registry.put_version(version("v1", f1Score=0.9123, labels=labels, testingManifest=None))
    item = registry.get_version("digits", "v1")
    assert item["f1Score"] == 0.9123 and item["labels"] == labels and item["testingManifest"] is None
    assert item["sk"] == "VERSION#v1" and item["createdAt"] == item["updatedAt"]
    assert registry.get_version("digits", "v2") is None


def test_update_version_sets_fields_and_refuses_unknown_versions(registry: Registry) -> None:
    registry.put_version(version("v1"))
    updated = registry.update_version("digits", "v1", status="TRAINING_COMPLETED", f1Score=0.5)
    assert (updated["status"], updated["f1Score"]) == ("TRAINING_COMPLETED", 0.5)
    with pytest.raises(registry.table.meta.client.exceptions.ConditionalCheckFailedException):
        registry.update_version("digits", "missing", status="RUNNING")


def test_champion_moves_and_reports_the_one_it_replaces(registry: Registry) -> None:
    assert registry.champion("digits") is None
    registry.put_version(version("v1"))
    registry.put_version(version("v2"))
    assert registry.set_champion("digits", "v1", "arn-v1", 0.8) is None
    previous = registry.set_champion("digits", "v2", "arn-v2", 0.9)
    assert previous["versionName"] == "v1"
    champion = registry.champion("digits")
    assert {k: champion[k] for k in ("versionName", "versionArn", "f1Score", "previousVersionName")} == {
        "versionName": "v2",
        "versionArn": "arn-v2",
        "f1Score": 0.9,
        "previousVersionName": "v1",
    }
    assert champion["promotedAt"]
    assert registry.get_version("digits", "v2")["promotedAt"] == champion["promotedAt"]


def test_list_versions_pages_through_every_version_and_skips_the_champion(registry: Registry) -> None:
    padding = "x" * 350_000  # ~3 items per 1 MB query page
    for index in range(7):
        registry.put_version(version(f"v{index}", notes=padding))
    registry.set_champion("digits", "v0", "arn-v0", 0.7)
    names = sorted(item["versionName"] for item in registry.list_versions("digits"))
    assert names == [f"v{index}" for index in range(7)]
    assert registry.list_versions("other") == []


def test_update_if_exists_updates_a_known_version_and_skips_an_unknown_one(registry: Registry) -> None:
    registry.put_version(version("v1"))
    assert registry.update_if_exists("digits", "v1", status="RUNNING")["status"] == "RUNNING"
    assert registry.update_if_exists("digits", "made-elsewhere", status="RUNNING") is None
    assert registry.get_version("digits", "made-elsewhere") is None


def test_a_promotion_is_recorded_on_the_pointer_and_the_version(registry: Registry) -> None:
    registry.put_version(version("v1"))
    promotion = {"promotedBy": "arn:aws:states:::execution:control:promote-v1", "forced": True}
    registry.set_champion("digits", "v1", "arn-v1", 0.4, promotion)
    champion, item = registry.champion("digits"), registry.get_version("digits", "v1")
    for record in (champion, item):
        assert record["forced"] is True and record["promotedBy"] == promotion["promotedBy"]
        assert record["promotedAt"] == champion["promotedAt"]


SETTINGS = {
    "projectName": "digits",
    "versionName": "digits.run-1",
    "trainingManifest": "s3://b/datasets/digits/train.manifest",
    "testingManifest": None,
    "autoSplit": True,
    "f1Threshold": 0.8,
    "minLabelF1": 0.1,
    "requireImprovement": False,
    "deploy": True,
}


def test_version_record_keeps_what_rebuilds_the_datasets_and_the_thresholds() -> None:
    record = version_record(
        SETTINGS,
        version_arn="arn-v",
        status="TRAINING_IN_PROGRESS",
        project_arn="arn-p",
        manifest_hashes={"training": "ab12", "testing": None},
        datasets={"train": "arn-train", "test": "arn-test", "phase": "READY"},
        execution_arn="arn-x",
        output_uri="s3://b/training-output/digits/digits.run-1/",
    )
    assert record == {
        "project": "digits",
        "versionName": "digits.run-1",
        "versionArn": "arn-v",
        "projectArn": "arn-p",
        "status": "TRAINING_IN_PROGRESS",
        "trainingManifest": "s3://b/datasets/digits/train.manifest",
        "testingManifest": None,
        "manifestHashes": {"training": "ab12", "testing": None},
        "datasetArns": {"train": "arn-train", "test": "arn-test"},
        "autoSplit": True,
        "thresholds": {"f1Threshold": 0.8, "minLabelF1": 0.1, "requireImprovement": False},
        "executionArn": "arn-x",
        "outputUri": "s3://b/training-output/digits/digits.run-1/",
    }
