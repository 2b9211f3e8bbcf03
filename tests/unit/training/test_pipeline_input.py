"""Execution-input checks: every problem listed at once, defaults filled in, the accepted form shown."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from customlabels.training.contract import Defaults
from customlabels.training.input import check_control_input, check_training_input

BUCKET = "custom-labels-console-us-east-1-abc"
DEFAULTS = Defaults(
    f1Threshold=0.8,
    minLabelF1=0.0,
    requireImprovement=True,
    deploy=True,
    minInferenceUnits=1,
    maxInferenceUnits=2,
)
TRAIN = f"s3://{BUCKET}/datasets/digits/train.manifest"
TEST = f"s3://{BUCKET}/datasets/digits/test.manifest"


def check(raw, execution="run-1"):
    return check_training_input(
        raw, execution_name=execution, defaults=DEFAULTS, bucket=BUCKET, managed_project="digits"
    )


def test_minimal_input_gets_the_stack_defaults_and_a_version_from_the_execution_name() -> None:
    verdict = check({"projectName": "digits", "trainingManifest": TRAIN}, execution="nightly 2024/05")
    assert verdict.valid and verdict.cause == ""
    assert verdict.settings == {
        "projectName": "digits",
        "versionName": "digits.nightly-2024-05",
        "trainingManifest": TRAIN,
        "testingManifest": None,
        "autoSplit": True,
        "f1Threshold": 0.8,
        "minLabelF1": 0.0,
        "requireImprovement": True,
        "deploy": True,
        "minInferenceUnits": 1,
        "maxInferenceUnits": 2,
        "requireApproval": False,
        "approvalTimeoutSeconds": 86400,
        "promoteAfterApproval": False,
        "feedbackImages": 0,
    }


def test_approval_is_asked_for_per_run_with_its_timeout_in_whole_seconds() -> None:
    verdict = check(
        {
            "projectName": "digits",
            "trainingManifest": TRAIN,
            "requireApproval": True,
            "approvalTimeoutHours": 0.001,
        }
    )
    assert verdict.settings["requireApproval"] is True and verdict.settings["approvalTimeoutSeconds"] == 4
    refused = check({"projectName": "digits", "trainingManifest": TRAIN, "approvalTimeoutHours": 0})
    assert "approvalTimeoutHours=0 is not allowed: a number from 0.001 to 720.0" in refused.cause


def test_promotion_after_approval_needs_a_production_account_and_approval() -> None:
    run = {"projectName": "digits", "trainingManifest": TRAIN, "promoteAfterApproval": True}
    single = check({**run, "requireApproval": True})
    assert "promoteAfterApproval=true needs a production account" in single.cause
    two_accounts = replace(DEFAULTS, productionAccount="222222222222")

    def in_two_accounts(raw):
        return check_training_input(
            raw, execution_name="run-1", defaults=two_accounts, bucket=BUCKET, managed_project="digits"
        )

    unapproved = in_two_accounts(run)
    assert "promoteAfterApproval=true needs requireApproval=true" in unapproved.cause
    approved = in_two_accounts({**run, "requireApproval": True})
    assert approved.valid and approved.settings["promoteAfterApproval"] is True
    by_default = check_training_input(
        {"projectName": "digits", "trainingManifest": TRAIN},
        execution_name="run-1",
        defaults=replace(two_accounts, requireApproval=True, promoteAfterApproval=True),
        bucket=BUCKET,
        managed_project="digits",
    )
    assert by_default.settings["promoteAfterApproval"] is True


def test_given_values_override_the_defaults() -> None:
    verdict = check(
        {
            "projectName": "digits",
            "trainingManifest": TRAIN,
            "testingManifest": TEST,
            "versionName": "v2",
            "f1Threshold": 0.9,
            "minLabelF1": 0.5,
            "requireImprovement": False,
            "deploy": False,
            "minInferenceUnits": 2,
            "maxInferenceUnits": 4,
        }
    )
    assert verdict.valid
    assert verdict.settings["versionName"] == "v2"
    assert verdict.settings["autoSplit"] is False
    assert (verdict.settings["f1Threshold"], verdict.settings["minLabelF1"]) == (0.9, 0.5)
    assert (verdict.settings["minInferenceUnits"], verdict.settings["maxInferenceUnits"]) == (2, 4)


def test_every_problem_is_listed_with_the_accepted_form() -> None:
    verdict = check(
        {
            "trainingManfest": TRAIN,
            "f1Threshold": 1.5,
            "deploy": "yes",
            "minInferenceUnits": 3,
            "maxInferenceUnits": 2,
            "versionName": "bad name!",
        }
    )
    assert not verdict.valid
    text = verdict.cause
    for expected in (
        "unknown field(s) trainingManfest",
        "projectName is required",
        "trainingManifest is required",
        "f1Threshold=1.5",
        "deploy='yes'",
        "maxInferenceUnits (2) must be >= minInferenceUnits (3)",
        "versionName='bad name!'",
        "Accepted form",
        '"projectName": "digits"',
    ):
        assert expected in text
    assert len(verdict.problems) == 7
    assert verdict.settings is None


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("https://example.com/train.manifest", "is not an S3 URI"),
        ("s3://other-bucket/train.manifest", "reads manifests from the console bucket"),
        (f"s3://{BUCKET}/datasets/train", "the file name has no extension"),
        (42, "must be a string"),
    ],
)
def test_manifest_locations_are_checked(manifest, message) -> None:
    verdict = check({"projectName": "digits", "trainingManifest": manifest})
    assert not verdict.valid
    assert message in verdict.cause


@pytest.mark.parametrize("name", ["train.jsonl", "train.json", "output.manifest"])
def test_any_manifest_extension_is_accepted(name) -> None:
    assert check({"projectName": "digits", "trainingManifest": f"s3://{BUCKET}/datasets/{name}"}).valid


def test_same_manifest_for_training_and_testing_is_refused() -> None:
    verdict = check({"projectName": "digits", "trainingManifest": TRAIN, "testingManifest": TRAIN})
    assert "testingManifest must differ" in verdict.cause


def test_a_project_this_stack_does_not_manage_is_refused_with_the_fix() -> None:
    verdict = check({"projectName": "cats", "trainingManifest": TRAIN})
    assert "not the project this stack manages ('digits')" in verdict.cause
    assert "-c projectName=cats" in verdict.cause


def test_input_that_is_not_an_object_is_explained() -> None:
    verdict = check(["digits"])
    assert "must be a JSON object, got list" in verdict.cause


def test_control_input_accepts_the_three_actions() -> None:
    for action in ("start", "stop", "promote"):
        verdict = check_control_input(
            {"action": action, "projectName": "digits", "versionName": "digits.v1"}, managed_project="digits"
        )
        assert verdict.valid
        assert verdict.settings["action"] == action
        assert (verdict.settings["minInferenceUnits"], verdict.settings["maxInferenceUnits"]) == (1, 1)


def test_control_input_lists_every_problem() -> None:
    verdict = check_control_input({"action": "restart", "minInferenceUnits": 0}, managed_project="digits")
    assert "action='restart' is not allowed: one of start, stop, promote" in verdict.cause
    assert "projectName is required" in verdict.cause
    assert "versionName is required" in verdict.cause
    assert "minInferenceUnits=0" in verdict.cause


def test_the_accepted_form_shows_the_stacks_own_project_and_bucket() -> None:
    verdict = check_training_input(
        {"projectName": "birds"},
        execution_name="run-1",
        defaults=DEFAULTS,
        bucket=BUCKET,
        managed_project="birds",
    )
    form = json.loads(verdict.cause.split("Accepted form: ", 1)[1])
    assert form["projectName"] == "birds"
    assert form["trainingManifest"] == f"s3://{BUCKET}/datasets/birds/train.manifest"
    control = check_control_input({"action": "start"}, managed_project="birds")
    assert json.loads(control.cause.split("Accepted form: ", 1)[1])["projectName"] == "birds"
    assert "/digits/" not in verdict.cause and '"digits' not in verdict.cause + control.cause


def test_an_input_cannot_lower_the_stacks_require_approval() -> None:
    run = {"projectName": "digits", "trainingManifest": TRAIN}

    def with_approval_required(raw):
        return check_training_input(
            raw, execution_name="run-1", defaults=replace(DEFAULTS, requireApproval=True), bucket=BUCKET,
            managed_project="digits",
        )

    lowered = with_approval_required({**run, "requireApproval": False})
    assert not lowered.valid
    assert "requireApproval=false is not allowed: this stack requires approval" in lowered.cause
    assert with_approval_required(run).settings["requireApproval"] is True
    assert check({**run, "requireApproval": False}).settings["requireApproval"] is False  # the stack says no
