"""The typed config: defaults from cdk.json, `-c` overrides, and errors that name the key and range."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.config import ConfigError, config_from_mapping

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]
DEFAULTS = CONTEXT["customlabels"]


def test_defaults_from_cdk_json_load() -> None:
    config = config_from_mapping(DEFAULTS)
    assert config.f1Threshold == 0.8
    assert config.minConfidence is None
    assert config.removalPolicy == "retain"


def test_command_line_strings_are_parsed_like_cdk_context() -> None:
    config = config_from_mapping(
        DEFAULTS, {"f1Threshold": "0.95", "maxInferenceUnits": "3", "requireImprovement": "false"}
    )
    assert (config.f1Threshold, config.maxInferenceUnits, config.requireImprovement) == (0.95, 3, False)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("f1Threshold", "1.5", "f1Threshold='1.5' is not allowed: expected a number from 0 to 1"),
        (
            "minInferenceUnits",
            "0",
            "minInferenceUnits='0' is not allowed: expected a whole number from 1 to 100",
        ),
        ("removalPolicy", "keep", "expected one of retain, destroy"),
        ("requireImprovement", "yes", "expected true or false"),
        ("projectName", "bad name!", "projectName='bad name!' is not allowed"),
        ("trainingPollSeconds", "2.5", "trainingPollSeconds='2.5' is not allowed: expected a whole number"),
    ],
)
def test_bad_values_name_the_key_and_the_allowed_range(key, value, expected) -> None:
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        config_from_mapping(DEFAULTS, {key: value})


def test_inference_unit_range_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match=r"maxInferenceUnits \(1\) must be >= minInferenceUnits \(2\)"):
        config_from_mapping(DEFAULTS, {"minInferenceUnits": 2, "maxInferenceUnits": 1})


def test_promotion_after_approval_needs_a_production_account_and_approval() -> None:
    with pytest.raises(ConfigError, match=r"needs productionAccount \(now None\)"):
        config_from_mapping(DEFAULTS, {"promoteAfterApproval": "true", "requireApproval": "true"})
    with pytest.raises(ConfigError, match="requireApproval true \\(now false\\)"):
        config_from_mapping(DEFAULTS, {"promoteAfterApproval": "true", "productionAccount": "222222222222"})
    both = {"promoteAfterApproval": "true", "requireApproval": "true", "productionAccount": "222222222222"}
    assert config_from_mapping(DEFAULTS, both).promoteAfterApproval is True


def test_unknown_settings_are_rejected() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        config_from_mapping({**DEFAULTS, "f1treshold": 0.5})


def test_training_poll_attempts_cover_the_maximum_training_time() -> None:
    config = config_from_mapping(DEFAULTS, {"maxTrainingHours": 2, "trainingPollSeconds": 300})
    assert config.training_poll_attempts == 24


def test_synth_fails_with_the_message_for_a_bad_context_value() -> None:
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "CDK_CONTEXT_JSON": json.dumps({**CONTEXT, "f1Threshold": "2"}),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "CDK_OUTDIR": "/tmp/cl-bad-synth",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Invalid configuration: context f1Threshold='2' is not allowed: expected a number from 0 to 1" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, 1),  # 1 IU x 5 calls/s x 0.5 s x 1.2 = 3 in flight, 4 per child
        ({"maxInferenceUnits": 10}, 8),  # 30 in flight
        ({"maxInferenceUnits": 10, "detectConcurrency": 1}, 30),
        ({"inferenceUnitTps": 50, "detectLatencySeconds": 0.1}, 2),  # the local profile: 6 in flight
        ({"batchMaxConcurrency": 40}, 40),
    ],
)
def test_batch_max_concurrency_follows_the_sizing_rule(overrides, expected) -> None:
    assert config_from_mapping(DEFAULTS, overrides).batch_max_concurrency == expected
