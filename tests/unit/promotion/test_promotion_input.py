"""The promotion execution input: only versions of the one training project, every problem listed."""

from __future__ import annotations

from customlabels.promotion.input import check_promotion_input

PREFIX = "arn:aws:rekognition:us-east-1:111111111111:project/digits/"
PROJECT = f"{PREFIX}1700000000000"
VERSION = f"{PREFIX}version/v1/1700000000001"


def check(raw):
    return check_promotion_input(raw, source_project_prefix=PREFIX)


def test_a_version_of_the_training_project_is_accepted_with_its_lineage() -> None:
    verdict = check(
        {
            "action": "promote",
            "versionName": "v1",
            "sourceProjectArn": PROJECT,
            "sourceVersionArn": VERSION,
            "lineage": {"f1Score": 0.9},
            "maxInferenceUnits": 2,
        }
    )
    assert verdict.valid, verdict.cause
    assert verdict.settings == {
        "action": "promote",
        "minInferenceUnits": 1,
        "maxInferenceUnits": 2,
        "versionName": "v1",
        "sourceProjectArn": PROJECT,
        "sourceVersionArn": VERSION,
        "lineage": {"f1Score": 0.9},
    }


def test_another_project_or_account_or_a_mismatched_version_is_refused_with_every_problem() -> None:
    other = "arn:aws:rekognition:us-east-1:999999999999:project/digits/"
    verdict = check(
        {
            "action": "promote",
            "versionName": "v2",
            "sourceProjectArn": f"{other}1700000000000",
            "sourceVersionArn": VERSION,
        }
    )
    assert not verdict.valid and len(verdict.problems) == 2
    assert "the only project this stack copies from" in verdict.problems[0]
    assert "version 'v2'" in verdict.problems[1]


def test_rollback_takes_no_version_and_unknown_actions_are_named() -> None:
    assert check({"action": "rollback"}).valid
    refused = check({"action": "rollback", "versionName": "v1"})
    assert refused.problems == ["versionName: not for rollback (it goes back to the previous champion)"]
    assert "action='demote' is not allowed" in check({"action": "demote"}).cause
