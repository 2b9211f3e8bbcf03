"""`customlabels status [--production]`: the registry's model versions (status, F1, gate, approval), the
champion, what waits for a person, and the training executions running now. `--production`: the production
account's project and champion (its registry, reached as `promote --to production` reaches it).
Exit 0 (2 when the stack cannot be reached)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from customlabels.naming import version_name_of
from customlabels.promotion.approval import PENDING
from customlabels.rekognition.projects import find_project_arn
from customlabels.rekognition.versions import DELETED
from customlabels.training.registry import Registry
from customlabels_cli.support import production
from customlabels_cli.support.errors import EXIT_OK, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments
from customlabels_cli.support.tables import table

EXPIRED = "EXPIRED"  # as `approve` records a request whose run no longer waits (support/approval.py)
HEADERS = ("", "version", "status", "F1", "gate", "approval", "created")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status",
        help="model versions, F1, gate, approval, champion and running state",
        description="List the project's model versions from the registry with their live status, F1, "
        "gate outcome and approval; * marks the champion (the version inference uses).",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--production", action="store_true",
                        help="the production account's project and champion instead")
    production.add_role_argument(parser)
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def live_statuses(stack: Stack, project: str) -> dict[str, str]:
    """Version name -> status now, from Rekognition (the registry's status is as of the last step)."""
    rekognition = stack.client("rekognition")
    project_arn = find_project_arn(rekognition, project)
    if project_arn is None:
        return {}
    statuses, request = {}, {"ProjectArn": project_arn}
    while True:
        page = rekognition.describe_project_versions(**request)
        for version in page["ProjectVersionDescriptions"]:
            statuses[version_name_of(version["ProjectVersionArn"])] = version["Status"]
        if not page.get("NextToken"):
            return statuses
        request["NextToken"] = page["NextToken"]


def running_trainings(stack: Stack) -> list[dict]:
    page = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.output("TrainingStateMachineArn"), statusFilter="RUNNING"
    )
    return [{"name": e["name"], "startDate": e["startDate"].isoformat()} for e in page["executions"]]


def approval_status(approval: dict, now: datetime | None = None) -> str | None:
    """The approval's status; a PENDING one past its timeoutAt is EXPIRED (the run ended ApprovalTimedOut
    and nothing answers it any more)."""
    status, deadline = approval.get("status"), approval.get("timeoutAt")
    if status == PENDING and deadline and datetime.fromisoformat(deadline) <= (now or datetime.now(UTC)):
        return EXPIRED
    return status


def gather(stack: Stack, registry: Registry, project: str) -> dict[str, Any]:
    champion = registry.champion(project)
    live = live_statuses(stack, project)
    versions = sorted(registry.list_versions(project), key=lambda item: item.get("createdAt", ""))
    rows = [
        {
            "versionName": item["versionName"],
            "status": live.get(item["versionName"], item.get("status")),
            "f1Score": item.get("f1Score"),
            "gate": (item.get("gate") or {}).get("passed"),
            "approval": approval_status(item.get("approval") or {}),
            "createdAt": item.get("createdAt"),
        }
        for item in versions
    ]
    name = champion["versionName"] if champion else None
    deleted = name is not None and any(v["versionName"] == name and v["status"] == DELETED for v in rows)
    return {
        "project": project,
        "champion": None if deleted else name,
        "deletedChampion": name if deleted else None,
        "versions": rows,
    }


def _champion_line(state: dict[str, Any]) -> str:
    where = "Production project" if state.get("production") else "Project"
    if state["deletedChampion"]:
        return (f"{where} {state['project']}: no champion (its champion {state['deletedChampion']} was "
                "deleted by `customlabels teardown`; train and promote a new version)")
    return f"{where} {state['project']}: champion {state['champion'] or 'none yet'}"


def render(state: dict[str, Any]) -> str:
    lines = [_champion_line(state)]
    if state["versions"]:
        rows = [
            [
                "*" if v["versionName"] == state["champion"] else "",
                v["versionName"],
                v["status"] or "?",
                "-" if v["f1Score"] is None else f"{v['f1Score']:.3f}",
                {True: "passed", False: "failed", None: "-"}[v["gate"]],
                (v["approval"] or "-").lower(),
                v["createdAt"] or "",
            ]
            for v in state["versions"]
        ]
        lines.append(table(HEADERS, rows))
    else:
        lines.append("  no model versions yet: start one with `customlabels train`")
    for v in state["versions"]:
        if v["approval"] == PENDING:
            name = v["versionName"]
            lines.append(f"Waiting for approval: {name}: run `customlabels approve {name} --reason WHY` or "
                         f"`customlabels reject {name} --reason WHY`")
    if "runningTrainings" in state:
        running = state["runningTrainings"]
        lines.append(
            "Training running: "
            + (", ".join(f"{e['name']} (since {e['startDate']})" for e in running) if running else "none")
        )
    return "\n".join(lines)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    training = Stack.from_args(args)
    if args.production:
        target = production.production_stack(training, args)
        state = {**gather(target, production.registry(target), target.project), "production": True}
    else:
        state = {**gather(training, training.registry(), training.project),
                 "runningTrainings": running_trainings(training)}
    print(json.dumps(state, indent=2) if args.json else render(state), file=out)
    return EXIT_OK
