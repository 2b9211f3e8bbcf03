"""`customlabels status`: the registry's model versions (status, F1, gate), the champion, and the
training executions running now. Exit 0 (2 when the stack cannot be reached)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from customlabels.naming import version_name_of
from customlabels.rekognition.projects import find_project_arn
from customlabels_cli.support.errors import EXIT_OK, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments
from customlabels_cli.support.tables import table

HEADERS = ("", "version", "status", "F1", "gate", "created")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status",
        help="model versions, F1, champion and running state",
        description="List the project's model versions from the registry with their live status, F1 and "
        "gate outcome; * marks the champion (the version inference uses).",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
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


def gather(stack: Stack) -> dict[str, Any]:
    project = stack.project
    registry = stack.registry()
    champion = registry.champion(project)
    live = live_statuses(stack, project)
    versions = sorted(registry.list_versions(project), key=lambda item: item.get("createdAt", ""))
    return {
        "project": project,
        "champion": champion["versionName"] if champion else None,
        "versions": [
            {
                "versionName": item["versionName"],
                "status": live.get(item["versionName"], item.get("status")),
                "f1Score": item.get("f1Score"),
                "gate": (item.get("gate") or {}).get("passed"),
                "createdAt": item.get("createdAt"),
            }
            for item in versions
        ],
        "runningTrainings": running_trainings(stack),
    }


def render(state: dict[str, Any]) -> str:
    lines = [f"Project {state['project']}: champion {state['champion'] or 'none yet'}"]
    if state["versions"]:
        rows = [
            [
                "*" if v["versionName"] == state["champion"] else "",
                v["versionName"],
                v["status"] or "?",
                "-" if v["f1Score"] is None else f"{v['f1Score']:.3f}",
                {True: "passed", False: "failed", None: "-"}[v["gate"]],
                v["createdAt"] or "",
            ]
            for v in state["versions"]
        ]
        lines.append(table(HEADERS, rows))
    else:
        lines.append("  no model versions yet: start one with `customlabels train`")
    running = state["runningTrainings"]
    lines.append(
        "Training running: "
        + (", ".join(f"{e['name']} (since {e['startDate']})" for e in running) if running else "none")
    )
    return "\n".join(lines)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    state = gather(Stack.from_args(args))
    print(json.dumps(state, indent=2) if args.json else render(state), file=out)
    return EXIT_OK
