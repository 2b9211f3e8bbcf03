"""The contract infra/ builds the state machines from: keys, failure names, environment."""

from __future__ import annotations

import json

import pytest

from customlabels.environment import SettingError
from customlabels.training import contract
from customlabels.training.contract import (
    EvaluationOutput,
    Failure,
    StartOutput,
    StepFailure,
    StopOutput,
    TrainingSettings,
)

ENVIRONMENT = {
    "REGISTRY_TABLE_NAME": "registry",
    "CONSOLE_BUCKET_NAME": "console",
    "TRAINING_OUTPUT_PREFIX": "training-output/",
    "KMS_KEY_ARN": "arn:aws:kms:us-east-1:123456789012:key/k",
    "PROJECT_NAME": "digits",
    "TRAINING_DEFAULTS": contract.Defaults(0.8, 0.0, True, True, 1, 2).to_json(),
}


def test_the_keys_the_state_machines_select_stay_as_deployed() -> None:
    assert contract.TRAIN_KEYS == (
        "versionArn", "versionName", "status", "reused", "outputUri", "manifestHashes", "attempt",
    )  # fmt: skip
    assert (*contract.TRAIN_KEYS, "failure") == contract.CHECK_TRAINING_KEYS
    assert contract.DATASETS_KEYS == ("phase", "train", "test", "split", "attempt", "failure", "stats")
    assert contract.START_MODEL_KEYS == contract.STOP_MODEL_KEYS == ("status", "attempt", "failure")
    assert contract.CHECK_MODEL_KEYS == ("status", "outcome", "attempt", "failure")
    assert contract.STOP_PREVIOUS_CHAMPION_KEYS == ("versionName", "status")
    assert contract.PROMOTE_KEYS == ("champion", "previous", "changed")
    assert contract.VALIDATE_INPUT_KEYS == ("valid", "problems", "cause", "settings")
    assert contract.EVALUATE_KEYS[-2:] == ("summaryUri", "failure")


def test_every_output_answers_every_key_and_failures_travel_as_plain_json() -> None:
    stopped = StopOutput(versionName="v1", status="STOPPED").to_state()
    assert stopped == {"versionName": "v1", "status": "STOPPED", "attempt": 0, "failure": None}
    failed = StartOutput("FAILED", failure=StepFailure(Failure.StartFailed, "no capacity")).to_state()
    assert json.loads(json.dumps(failed))["failure"] == {"error": "StartFailed", "cause": "no capacity"}
    evaluation = EvaluationOutput(True, "ok", 0.9, 0.8, [], [], None, None, "s3://b/k").to_state()
    assert set(evaluation) == set(contract.EVALUATE_KEYS)


def test_failure_names_are_the_fail_states() -> None:
    assert [f.value for f in Failure] == [
        "InvalidInput", "ManifestInvalid", "DatasetFailed", "TrainingFailed", "GateFailed",
        "StartFailed", "StopFailed", "Rejected", "ApprovalTimedOut", "ShareFailed",
        "PromotionNotStarted",
    ]  # fmt: skip


def test_training_env_is_parsed_once_with_the_output_prefix_per_version() -> None:
    env = TrainingSettings.from_environment(ENVIRONMENT)
    assert env.training_defaults.maxInferenceUnits == 2 and env.project_name == "digits"
    assert str(env.training_output("digits", "v1")) == "s3://console/training-output/digits/v1/"


@pytest.mark.parametrize("missing", sorted(ENVIRONMENT))
def test_a_missing_variable_is_named_at_cold_start(missing: str) -> None:
    environment = {key: value for key, value in ENVIRONMENT.items() if key != missing}
    with pytest.raises(SettingError, match=f"environment variable {missing} is not set"):
        TrainingSettings.from_environment(environment)
