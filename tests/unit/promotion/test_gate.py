"""The training project's policy copies only what the pipeline gated and approved (checked with the
offline IAM engine, as the endpoint and the emulator check it), and a copy that policy refuses is NotGated."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from customlabels.promotion.contract import PromotionFailure
from customlabels.promotion.copies import refusal
from customlabels.promotion.gate import GATE_TAGS, gated_tags, project_policy, promotion_role_name
from local.emulator.cross_account import caller_of, copy_allowed
from local.emulator.policies import ProjectPolicy

TRAINING, PRODUCTION = "111111111111", "222222222222"
PROJECT = f"arn:aws:rekognition:us-east-1:{TRAINING}:project/digits/1700000000000"
VERSION = f"arn:aws:rekognition:us-east-1:{TRAINING}:project/digits/version/v1/1700000000001"
EXECUTION = f"arn:aws:states:us-east-1:{TRAINING}:execution:training:run-1"
ROLE = f"arn:aws:iam::{PRODUCTION}:role/{promotion_role_name('digits')}"


def allowed(tags: dict[str, str], caller_arn: str = ROLE) -> bool:
    document = json.dumps(project_policy(PROJECT, PRODUCTION))
    policy = ProjectPolicy(PROJECT, "production-promotion", document)
    return copy_allowed(caller_of(PRODUCTION, caller_arn), VERSION, TRAINING, [policy], tags)


def test_the_promotion_role_copies_a_version_the_pipeline_gated_and_approved() -> None:
    assert allowed(gated_tags(EXECUTION))
    assert allowed({**gated_tags(EXECUTION), "team": "vision"})


@pytest.mark.parametrize(
    "tags",
    [
        {},
        {"customlabels:gate": "passed"},
        {"customlabels:approval": "approved"},
        {**gated_tags(EXECUTION), "customlabels:gate": "failed"},
        {**gated_tags(EXECUTION), "customlabels:approval": "pending"},
    ],
)
def test_a_version_without_both_gate_tags_cannot_be_copied(tags: dict[str, str]) -> None:
    assert not allowed(tags)


def test_no_other_principal_of_the_production_account_may_copy() -> None:
    assert not allowed(gated_tags(EXECUTION), f"arn:aws:iam::{PRODUCTION}:role/someone-else")


def test_the_policy_fits_the_service_limit_and_names_the_three_tags() -> None:
    document = json.dumps(project_policy(PROJECT, PRODUCTION))
    assert len(document) <= 2000  # PolicyDocument, spec 06 §4.5
    assert set(gated_tags(EXECUTION)) == set(GATE_TAGS)


def denied(message: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": message}}, "CopyProjectVersion"
    )


def test_an_explicit_deny_by_the_project_policy_is_not_gated_and_says_what_to_do() -> None:
    failure = refusal("v1", VERSION, denied(f"User: {ROLE} is not authorized ... because explicit deny by x"))
    assert failure.error == PromotionFailure.NotGated
    assert "customlabels:gate=passed" in failure.cause and "--require-approval" in failure.cause


def test_no_policy_at_all_stays_a_copy_failure_with_the_hint() -> None:
    failure = refusal("v1", VERSION, denied("because no resource-based policy allows it"))
    assert failure.error == PromotionFailure.CopyFailed
    assert "project's policy must allow" in failure.cause
