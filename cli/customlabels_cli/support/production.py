"""`promote --to production`: the production stack as the CLI sees it, and the promotion execution's input.

The production account is reached with `--production-role ARN` (or CUSTOMLABELS_PRODUCTION_ROLE), assumed
with the current credentials; without it the current credentials are used as they are. The outputs come
from the same outputs file as the training stack's (`serve` writes both), else from describe-stacks of
CustomLabelsProduction in that account.
"""

from __future__ import annotations

import argparse
import os

import boto3

from customlabels.promotion.approval import PENDING
from customlabels.promotion.gate import APPROVAL_TAG, APPROVED, GATE_TAG, PASSED
from customlabels.training.registry import Registry
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.stack import RETRIES, Stack, describe_stack_outputs

PRODUCTION_STACK = "CustomLabelsProduction"
ROLE_ENV = "CUSTOMLABELS_PRODUCTION_ROLE"
MACHINE_OUTPUT = "PromotionStateMachineArn"
LINEAGE_KEYS = ("f1Score", "manifestHashes", "executionArn", "gate")


def add_role_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--production-role",
        metavar="ARN",
        help=f"role to assume in the production account (default ${ROLE_ENV}, which the env file of "
        "`python -m local serve --accounts ...` sets)",
    )


def registry(target: Stack) -> Registry:
    """The production registry (its output name differs from the training stack's RegistryTableName)."""
    return Registry(target.output("ProductionRegistryTableName"),
                    target.session.resource("dynamodb", config=RETRIES))


def production_stack(training: Stack, args: argparse.Namespace) -> Stack:
    role = args.production_role or os.environ.get(ROLE_ENV)
    session = training.session
    if role:
        credentials = training.client("sts").assume_role(
            RoleArn=role, RoleSessionName="customlabels-promote"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=training.session.region_name,
        )
    outputs = training.outputs
    if MACHINE_OUTPUT not in outputs:
        try:
            outputs = describe_stack_outputs(session.client("cloudformation"), PRODUCTION_STACK)
        except CliError as missing:
            if role:
                raise
            raise CliError(
                f"{missing.message} with the current credentials (no production role given)",
                f"pass --production-role ARN or set {ROLE_ENV} to a role in the production account; offline, "
                "source the env file `python -m local serve --accounts ID -c productionAccount=ID` wrote",
            ) from None
    return Stack(outputs, outputs.get("ProductionProjectName"), session)


def promotion_input(training: Stack, version: str, force: bool) -> dict:
    """Promote `version` of the training registry: it passed the gate (unless force) and, when a person
    was asked, was approved. The lineage the production registry keeps travels with it."""
    project = training.project
    item = training.registry().get_version(project, version)
    if item is None:
        raise CliError(
            f"no version {version} in the training registry of {project}", "see `customlabels status`"
        )
    if not (item.get("gate") or {}).get("passed") and not force:
        raise CliError(
            f"{version} did not pass the gate ({(item.get('gate') or {}).get('reason', 'not evaluated')})",
            "promote a version that passed, or pass --force",
        )
    approval = item.get("approval") or {}
    if approval and approval.get("status") != "APPROVED" and not force:
        raise CliError(f"{version} was not approved: {_approval_state(approval)}",
                       _approval_fix(version, approval.get("status")))
    require_gate_tags(training, version, item["versionArn"])
    lineage = {key: item[key] for key in LINEAGE_KEYS if item.get(key) is not None}
    return {
        "action": "promote",
        "versionName": version,
        "sourceProjectArn": item["projectArn"],
        "sourceVersionArn": item["versionArn"],
        "lineage": {**lineage, "approval": approval or None, "forced": force},
    }


def require_gate_tags(training: Stack, version: str, version_arn: str) -> None:
    """The training project's policy copies only versions the pipeline tagged after the gate and the
    approval (customlabels.promotion.gate): say so before the production run fails NotGated."""
    tags = training.client("rekognition").list_tags_for_resource(ResourceArn=version_arn).get("Tags", {})
    if tags.get(GATE_TAG) != PASSED or tags.get(APPROVAL_TAG) != APPROVED:
        raise CliError(
            f"{version} does not carry the tags the training pipeline sets once a version passed the gate "
            f"and was approved ({GATE_TAG}={PASSED}, {APPROVAL_TAG}={APPROVED}): production cannot copy it",
            "train it with `customlabels train --require-approval` and approve it; if you just approved "
            "it, wait for its run to finish (customlabels status), then promote again",
        )
def _approval_state(approval: dict) -> str:
    status = str(approval.get("status", "")).lower()
    who = f" by {approval['by']}" if approval.get("by") else ""
    why = f" ({approval['reason']})" if approval.get("reason") else ""
    return f"{status}{who}{why}"


def _approval_fix(version: str, status: str | None) -> str:
    if status == PENDING:
        return f"approve it first (customlabels approve {version}), or pass --force"
    return (f"a {str(status).lower()} version is not promoted: train a new version (its run asks again), "
            "or pass --force to promote it anyway (recorded as forced)")


def check_rollback(target: Stack) -> None:
    """Refuse a rollback, before starting anything, when the production champion has no previous one
    (the promotion machine's ValidateInput refuses the same; this says it without an execution)."""
    champion = registry(target).champion(target.project)
    if not (champion or {}).get("previousVersionName"):
        now = (f"the production champion is {champion['versionName']}" if champion
               else "there is no production champion yet")
        raise CliError(f"nothing to roll back to: {now} and no earlier one was promoted",
                       "promote a version with `customlabels promote --to production VERSION`; a rollback "
                       "goes back to the champion it replaced")
