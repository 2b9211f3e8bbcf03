"""`customlabels projects`: the pipelines deployed in the account and Region, one per Custom Labels
project, with the stack, the champion, the champion's status now and the training runs in progress.
A pipeline the caller may not read shows why instead. Exit 0 (2 when CloudFormation cannot be read)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

import boto3
from botocore.exceptions import ClientError

from customlabels_cli.commands.status import live_statuses, running_trainings
from customlabels_cli.support.errors import EXIT_OK, guarded
from customlabels_cli.support.pipelines import Pipeline, deployed_pipelines
from customlabels_cli.support.stack import RETRIES, Stack
from customlabels_cli.support.tables import table

HEADERS = ("project", "stack", "champion", "champion status", "trainings running")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "projects",
        help="the pipelines deployed here: project, stack, champion and running state",
        description="List the pipelines deployed in the account and Region (one stack per Custom Labels "
        "project) with each one's champion, its status now and the training runs in progress.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def describe(pipeline: Pipeline, session: Any) -> dict[str, Any]:
    stack = Stack(pipeline.outputs, pipeline.project, session)
    row: dict[str, Any] = {"project": pipeline.project, "stack": pipeline.stack_name}
    try:
        champion = stack.registry().champion(pipeline.project)
        name = champion["versionName"] if champion else None
        status = live_statuses(stack, pipeline.project).get(name) if name else None
        row.update(champion=name, championStatus=status, runningTrainings=len(running_trainings(stack)))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        row["unreadable"] = f"{code}: {error.response.get('Error', {}).get('Message', '')}".strip(": ")
    return row


def render(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No pipeline is deployed in this account and Region (cdk deploy, or python -m local serve)."
    cells = [
        [row["project"], row["stack"], f"not readable ({row['unreadable']})", "", ""]
        if "unreadable" in row
        else [row["project"], row["stack"], row["champion"] or "none yet", row["championStatus"] or "-",
              row["runningTrainings"]]
        for row in rows
    ]
    return table(HEADERS, cells)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    session = boto3.Session()
    pipelines = deployed_pipelines(session.client("cloudformation", config=RETRIES))
    rows = [describe(pipeline, session) for pipeline in pipelines]
    print(json.dumps(rows, indent=2) if args.json else render(rows), file=out)
    return EXIT_OK
