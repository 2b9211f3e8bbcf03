"""What the two stacks agree on by name: the production promotion role and the training project's policy
that lets it, and only it, copy versions (spec 06 §4.5); the promotion machine, the production role
that may start it and the training machine's role that may assume that one (promoteAfterApproval).
Neither stack can reference the other's resources (different accounts), so these have fixed names."""

from __future__ import annotations

from aws_cdk import Aws

from infra.arns import model_version_arn_pattern

MAX_ROLE_NAME = 64
MAX_STATE_MACHINE_NAME = 80


def _named(project_name: str, suffix: str, limit: int = MAX_ROLE_NAME) -> str:
    return project_name[: limit - len(suffix)] + suffix


def promotion_role_name(project_name: str) -> str:
    """The name of the production role that calls CopyProjectVersion (the CopyModel function's role)."""
    return _named(project_name, "-production-copy")


def promotion_machine_name(project_name: str) -> str:
    """The production promotion state machine's name: the training machine starts it by ARN."""
    return _named(project_name, "-production-promotion", MAX_STATE_MACHINE_NAME)


def promotion_machine_arn(production_account: str, region: str, project_name: str) -> str:
    return (
        f"arn:{Aws.PARTITION}:states:{region}:{production_account}:stateMachine:"
        f"{promotion_machine_name(project_name)}"
    )


def starter_role_name(project_name: str) -> str:
    """The production role the training state machine assumes to start the promotion machine."""
    return _named(project_name, "-production-starter")


def starter_role_arn(production_account: str, project_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{production_account}:role/{starter_role_name(project_name)}"


def training_machine_role_name(project_name: str) -> str:
    """The training state machine's role: the starter role trusts this one role of the training account."""
    return _named(project_name, "-training-machine")


def training_machine_role_arn(training_account: str, project_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{training_account}:role/{training_machine_role_name(project_name)}"


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
