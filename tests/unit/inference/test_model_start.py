"""onModelStopped=start respects the daily cap: a model the guard stopped at the cap stays stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from customlabels.inference.batch import Detector
from customlabels.inference.model_start import ModelStarter, registry_cap_hold
from customlabels.training.registry import Registry
from tests.unit.inference.conftest import MODEL_ARN, PROJECT, REGISTRY_TABLE, env

NOW = datetime(2024, 5, 1, 15, 30, tzinfo=UTC)
TOMORROW = datetime(2024, 5, 2, tzinfo=UTC)


class Rekognition:
    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []

    def start_project_version(self, **request: Any) -> dict[str, str]:
        self.started.append(request)
        return {"Status": "STARTING"}


def starter(rekognition: Rekognition, hold: datetime | None, now: datetime) -> ModelStarter:
    return ModelStarter(
        rekognition,
        min_inference_units=1,
        max_inference_units=1,
        interval_seconds=0,
        cap_hold=lambda _arn: hold,
        now=lambda: now,
    )


def test_a_model_held_by_the_cap_is_not_started_before_the_next_utc_day() -> None:
    rekognition = Rekognition()
    assert starter(rekognition, TOMORROW, NOW).request_start(MODEL_ARN) is False
    assert rekognition.started == []


def test_the_hold_ends_at_the_next_utc_day() -> None:
    rekognition = Rekognition()
    assert starter(rekognition, TOMORROW, TOMORROW).request_start(MODEL_ARN) is True
    assert rekognition.started == [{"ProjectVersionArn": MODEL_ARN, "MinInferenceUnits": 1}]


def test_a_model_without_a_hold_is_started() -> None:
    rekognition = Rekognition()
    assert starter(rekognition, None, NOW).request_start(MODEL_ARN) is True


def test_the_hold_is_read_from_the_versions_registry_item(resources) -> None:
    registry = Registry(REGISTRY_TABLE)
    registry.put_version({"project": PROJECT, "versionName": "widgets.v1", "versionArn": MODEL_ARN})
    hold = registry_cap_hold(registry)
    assert hold(MODEL_ARN) is None
    registry.update_version(PROJECT, "widgets.v1", capHoldUntil=TOMORROW.isoformat())
    assert hold(MODEL_ARN) == TOMORROW
    assert hold(MODEL_ARN.replace("widgets.v1", "widgets.v2")) is None


def test_a_model_stopped_with_hold_is_not_started_until_a_start_clears_it(resources) -> None:
    registry = Registry(REGISTRY_TABLE)
    registry.put_version({"project": PROJECT, "versionName": "widgets.v1", "versionArn": MODEL_ARN})
    registry.update_version(PROJECT, "widgets.v1", heldStopped=True)
    held = ModelStarter(
        Rekognition(),
        min_inference_units=1,
        max_inference_units=1,
        interval_seconds=0,
        cap_hold=registry_cap_hold(registry),
        now=lambda: NOW,
    )
    assert held.request_start(MODEL_ARN) is False
    registry.update_version(PROJECT, "widgets.v1", heldStopped=False)
    assert held.request_start(MODEL_ARN) is True


def test_the_detect_function_reads_holds_from_its_registry(resources) -> None:
    detector = Detector(env(resources["queue_url"]))
    held_until = datetime.now(UTC) + timedelta(hours=1)
    Registry(REGISTRY_TABLE).put_version(
        {"project": PROJECT, "versionName": "widgets.v1", "capHoldUntil": held_until.isoformat()}
    )
    assert detector.starter.request_start(MODEL_ARN) is False
