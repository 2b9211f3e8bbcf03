"""The shadow control against moto's DynamoDB and a stubbed Rekognition: it starts the challenger, stops
only what it started, counts inference-unit hours, and refuses what would go wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from customlabels.monitoring import shadow
from customlabels.monitoring.shadow_control import ShadowControl, ShadowError
from customlabels.training.registry import Registry
from tests.fixtures.tables import create_registry_table, create_table

PROJECT = "digits"
PROJECT_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/digits/1"
V2 = "arn:aws:rekognition:us-east-1:123456789012:project/digits/version/v2/2"
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture
def control(aws: None) -> ShadowControl:
    dynamodb = boto3.resource("dynamodb")
    create_registry_table(dynamodb)
    create_table(dynamodb, "results", [("image", "HASH"), ("version", "RANGE")])
    registry = Registry("registry", dynamodb)
    registry.set_champion(PROJECT, "v1", V2.replace("v2", "v1"), 0.9)
    return ShadowControl(PROJECT, registry, dynamodb.Table("results"), boto3.client("rekognition"), 2, 2)


def described(stub: Stubber, status: str) -> None:
    stub.add_response("describe_projects", {"ProjectDescriptions": [{"ProjectArn": PROJECT_ARN}]})
    stub.add_response(
        "describe_project_versions",
        {"ProjectVersionDescriptions": [{"ProjectVersionArn": V2, "Status": status}]},
    )


def test_a_test_starts_a_stopped_challenger_and_stops_it_with_its_unit_hours(control: ShadowControl) -> None:
    with Stubber(control.rekognition) as stub:
        described(stub, "STOPPED")
        stub.add_response(
            "start_project_version", {"Status": "STARTING"}, {"ProjectVersionArn": V2, "MinInferenceUnits": 2}
        )
        started = control.start("v2", 0.5, None, 10, NOW)
        test = shadow.ShadowTest.of(started)
        for agreed in (True, True, False):
            assert shadow.claim(control.results_table, PROJECT, test, NOW, agreed=agreed)
        described(stub, "RUNNING")
        stub.add_response("stop_project_version", {"Status": "STOPPING"}, {"ProjectVersionArn": V2})
        stopped = control.stop(NOW + timedelta(minutes=30))
    assert (stopped["status"], stopped["modelStatusAtStop"], stopped["compared"]) == (
        "STOPPED",
        "STOPPING",
        3,
    )
    assert stopped["agreementRate"] == pytest.approx(2 / 3, abs=1e-4)
    assert stopped["inferenceUnitHours"] == 1.0  # two units for half an hour


def test_a_challenger_running_before_the_test_keeps_running(control: ShadowControl) -> None:
    with Stubber(control.rekognition) as stub:
        described(stub, "RUNNING")
        control.start("v2", 1.0, 1.0, None, NOW)
        described(stub, "RUNNING")
        stopped = control.stop(NOW + timedelta(hours=1))  # no stop_project_version stubbed: none is made
    assert stopped["modelStatusAtStop"] == "RUNNING" and stopped["inferenceUnitHours"] == 2.0


def test_refusals_say_what_to_do(control: ShadowControl) -> None:
    with pytest.raises(ShadowError, match="v1 is the champion"):
        control.start("v1", 1.0, None, None, NOW)
    with pytest.raises(ShadowError, match="no shadow test is running"):
        control.stop(NOW)
    with Stubber(control.rekognition) as stub:
        described(stub, "TRAINING_FAILED")
        with pytest.raises(ShadowError, match="v2 is TRAINING_FAILED: a shadow test needs a trained model"):
            control.start("v2", 1.0, None, None, NOW)
