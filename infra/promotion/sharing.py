"""What the two stacks agree on by name: the production promotion role and the training project's policy
that lets it, and only it, copy the versions the pipeline gated (customlabels.promotion.gate, which the
ShareProject function builds it with); the promotion machine, the production role
that may start it and the training machine's role that may assume that one (promoteAfterApproval).
Neither stack can reference the other's resources (different accounts), so these have fixed names."""

from __future__ import annotations

from aws_cdk import Aws

from customlabels.promotion.gate import fixed_name

MAX_STATE_MACHINE_NAME = 80


def promotion_machine_name(project_name: str) -> str:
    """The production promotion state machine's name: the training machine starts it by ARN."""
    return fixed_name(project_name, "-production-promotion", MAX_STATE_MACHINE_NAME)


def promotion_machine_arn(production_account: str, region: str, project_name: str) -> str:
    return (
        f"arn:{Aws.PARTITION}:states:{region}:{production_account}:stateMachine:"
        f"{promotion_machine_name(project_name)}"
    )


def starter_role_name(project_name: str) -> str:
    """The production role the training state machine assumes to start the promotion machine."""
    return fixed_name(project_name, "-production-starter")


def starter_role_arn(production_account: str, project_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{production_account}:role/{starter_role_name(project_name)}"


def training_machine_role_name(project_name: str) -> str:
    """The training state machine's role: the starter role trusts this one role of the training account."""
    return fixed_name(project_name, "-training-machine")


def training_machine_role_arn(training_account: str, project_name: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{training_account}:role/{training_machine_role_name(project_name)}"
