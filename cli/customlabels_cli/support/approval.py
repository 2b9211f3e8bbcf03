"""`approve` and `reject`: answer the training run that waits at RequestApproval (its task token is on
the version's registry item) and record who decided, when and why."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from botocore.exceptions import ClientError

from customlabels.promotion.approval import PENDING
from customlabels.training.contract import Failure
from customlabels.training.registry import Registry, utc_now
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments

DECISIONS = {"approve": "APPROVED", "reject": "REJECTED"}
GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


def register(subparsers, decision: str, summary: str) -> None:
    parser = subparsers.add_parser(
        decision,
        help=summary,
        description=f"{summary}. The training run waits after the F1 gate when requireApproval is on; "
        "the decision, who made it, when and why go into the registry.",
    )
    parser.add_argument(
        "target", metavar="EXECUTION_OR_VERSION", help="the waiting version's name or its execution's ARN"
    )
    parser.add_argument("--reason", default="", help="why (recorded, and the failure cause of a rejection)")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run, decision=decision)


def waiting_version(registry: Registry, project: str, target: str) -> dict:
    if target.startswith("arn:"):
        item = next(
            (
                v
                for v in registry.list_versions(project)
                if target in (v.get("executionArn"), (v.get("approval") or {}).get("executionArn"))
            ),
            None,
        )
    else:
        item = registry.get_version(project, target)
    if item is None:
        raise CliError(f"no version {target} in the registry of {project}", "see `customlabels status`")
    if (item.get("approval") or {}).get("status") != PENDING:
        state = (item.get("approval") or {}).get("status") or "never requested"
        fix = ("train with requireApproval (customlabels train --require-approval) and decide while it waits"
               if state == "never requested" else
               f"it was {state.lower()} already and a decision is final: train a new version to decide again")
        raise CliError(f"{item['versionName']} is not waiting for approval (approval: {state})", fix)
    return item


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    project, registry = stack.project, stack.registry()
    item = waiting_version(registry, project, args.target)
    version, request = item["versionName"], item["approval"]
    who = stack.client("sts").get_caller_identity()["Arn"]
    decided = {
        "status": DECISIONS[args.decision],
        "by": who,
        "at": utc_now(),
        "reason": args.reason,
        "executionArn": request["executionArn"],
    }
    sfn = stack.client("stepfunctions")
    try:
        if args.decision == "approve":
            sfn.send_task_success(taskToken=request["taskToken"], output=json.dumps(decided))
        else:
            cause = f"{version} was rejected by {who}: {args.reason or 'no reason given'}"
            sfn.send_task_failure(taskToken=request["taskToken"], error=Failure.Rejected.value, cause=cause)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in GONE:
            raise
        expired = {**request, "status": "EXPIRED", "taskToken": None}
        registry.update_version(project, version, approval=expired)
        raise CliError(
            f"the run that asked to approve {version} no longer waits (timed out or ended)",
            "train it again, or promote it with --force",
        ) from None
    registry.update_version(project, version, approval=decided)
    print(f"{version}: {decided['status'].lower()} by {who}\n  execution {request['executionArn']}", file=out)
    return EXIT_OK
