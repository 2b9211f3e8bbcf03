"""What the two stacks agree on by name: the production promotion role and the training project's policy
that lets it, and only it, copy versions (spec 06 §4.5). Neither stack can reference the other's
resources (different accounts), so the role has a fixed name."""

from __future__ import annotations

from aws_cdk import Aws

from infra.arns import model_version_arn_pattern

MAX_ROLE_NAME = 64


def promotion_role_name(project_name: str) -> str:
    """The name of the production role that calls CopyProjectVersion (the CopyModel function's role)."""
    suffix = "-production-copy"
    return project_name[: MAX_ROLE_NAME - len(suffix)] + suffix


def promotion_role_arn(production_account: str, project_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{production_account}:role/{promotion_role_name(project_name)}"


def project_policy(production_account: str, project_name: str) -> dict:
    """The training project's policy: the production promotion role may copy this project's versions."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ProductionPromotionCopies",
                "Effect": "Allow",
                "Principal": {"AWS": promotion_role_arn(production_account, project_name)},
                "Action": "rekognition:CopyProjectVersion",
                "Resource": model_version_arn_pattern(project_name),
            }
        ],
    }
