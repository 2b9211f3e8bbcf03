"""The model registry on DynamoDB (moto): items, champion pointer and number round trips."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from customlabels.training.registry import Registry
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
