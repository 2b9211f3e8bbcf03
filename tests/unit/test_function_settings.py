"""A function's settings class: what infra/ writes with to_environment() the handler reads back with
from_environment(), and a wiring mistake is named at cold start."""

from __future__ import annotations

import re

import botocore.session
import pytest

from customlabels.environment import PowertoolsSettings, SettingError
from customlabels.inference.settings import DetectSettings, OnModelStopped
from customlabels.operations.settings import GuardSettings
from customlabels.training.contract import Defaults, TrainingSettings
from tests.unit.test_single_definitions import settings_classes

DETECT = DetectSettings(
    project_name="digits",
    queue_url="https://sqs/uploads",
    results_table_name="results",
    idempotency_table_name="idempotency",
    registry_table_name="registry",
    inference_bucket_name="inference",
    min_confidence=None,
    on_model_stopped=OnModelStopped.FAIL,
    video_frames_per_second=0.5,
    review_below_confidence=70.0,
)


@pytest.mark.parametrize(
    "settings",
    [
        DETECT,
        TrainingSettings(
            "registry", "console", "training-output/", "arn:k", "digits", Defaults(0.8, 0, True, False, 1, 2)
        ),
        GuardSettings("digits", "https://sqs/q", "arn:topic", "registry", 10, 60.0, 2.5),
        PowertoolsSettings(),
    ],
)
def test_what_infra_writes_the_handler_reads_back(settings) -> None:
    environment = settings.to_environment()
    assert all(isinstance(value, str) for value in environment.values())
    assert type(settings).from_environment(environment) == settings


def test_each_variable_is_its_field_in_capitals_and_none_is_empty() -> None:
    environment = DETECT.to_environment()
    assert environment["REVIEW_BELOW_CONFIDENCE"] == "70.0" and environment["MIN_CONFIDENCE"] == ""
    assert environment["ON_MODEL_STOPPED"] == "fail"
    assert set(environment) == set(DetectSettings.variables())
    assert DetectSettings.from_environment(environment).start_stopped_model is False


def test_an_unset_variable_takes_the_fields_default() -> None:
    required = {name: DETECT.to_environment()[name] for name in DetectSettings.variables()[:6]}
    settings = DetectSettings.from_environment(required)
    assert (settings.detect_concurrency, settings.on_model_stopped, settings.batch_state_machine_arn) == (
        4,
        OnModelStopped.START,
        None,
    )


def test_a_missing_required_variable_is_named() -> None:
    environment = DETECT.to_environment()
    del environment["QUEUE_URL"]
    with pytest.raises(SettingError, match="environment variable QUEUE_URL is not set"):
        DetectSettings.from_environment(environment)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ON_MODEL_STOPPED", "restart", "use one of start, fail"),
        ("DETECT_CONCURRENCY", "four", "DETECT_CONCURRENCY='four' is not allowed: expected a whole number"),
        ("MIN_CONFIDENCE", "high", "MIN_CONFIDENCE='high' is not allowed: expected a number"),
    ],
)
def test_a_value_the_function_cannot_use_is_named_with_what_is_allowed(
    name: str, value: str, says: str
) -> None:
    with pytest.raises(SettingError, match=says):
        DetectSettings.from_environment({**DETECT.to_environment(), name: value})


def test_a_json_setting_that_does_not_parse_is_named() -> None:
    defaults = Defaults(0.8, 0, True, False, 1, 2)
    environment = TrainingSettings("r", "c", "p/", "k", "digits", defaults).to_environment()
    with pytest.raises(SettingError, match="TRAINING_DEFAULTS="):
        TrainingSettings.from_environment({**environment, "TRAINING_DEFAULTS": "{not json"})


def test_every_variable_is_a_name_lambda_accepts() -> None:
    """Lambda's EnvironmentVariableName pattern (botocore's service model for lambda)."""
    pattern = botocore.session.get_session().get_service_model("lambda").shape_for("EnvironmentVariableName")
    allowed = re.compile(pattern.metadata["pattern"])
    names = {name for cls in settings_classes() for name in cls.variables()}
    assert len(names) > 30
    assert sorted(name for name in names if not allowed.fullmatch(name)) == []
