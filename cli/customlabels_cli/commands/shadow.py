"""`customlabels shadow start VERSION [--sample F] [--hours H | --images N]`, `shadow report [--json]`,
`shadow stop`: a challenger answers a sample of live uploads next to the champion (users get the
champion's answer). Start and stop run the stack's shadow control function (the pipeline starts and
stops the challenger and writes the test's state); the report reads the registry and the comparisons.
Exit 0; 2 with what is wrong and what to do when the shadow control refuses or the stack cannot be
reached."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from customlabels.monitoring import shadow
from customlabels.storage_layout import SHADOW_PREFIX
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments
from customlabels_cli.support.tables import table


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "shadow",
        help="shadow tests: a challenger answers live uploads next to the champion",
        description="Run a challenger on a sample of live uploads next to the champion and compare "
        "their answers; users always get the champion's.",
    )
    actions = parser.add_subparsers(dest="shadow_action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="start the challenger and the test")
    start.add_argument("version", metavar="VERSION", help="the challenger's model version name")
    start.add_argument(
        "--sample",
        type=_fraction,
        default=1.0,
        metavar="FRACTION",
        help="share of uploads compared (0-1, default 1.0: every upload)",
    )
    budget = start.add_mutually_exclusive_group()
    budget.add_argument("--hours", type=float, metavar="H", help="end the test after H hours")
    budget.add_argument("--images", type=int, metavar="N", help="end the test after N compared images")
    report = actions.add_parser("report", help="agreement rate, per label, and the images they disagree on")
    report.add_argument("--json", action="store_true", help="print JSON instead of text")
    actions.add_parser("stop", help="stop the test and the challenger")
    for action in (start, report, actions.choices["stop"]):
        add_stack_arguments(action)
    parser.set_defaults(handler=run)


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("--sample must be more than 0 and at most 1 (1.0: every upload)")
    return value


def control(stack: Stack, request: dict[str, Any]) -> dict[str, Any]:
    response = stack.client("lambda").invoke(
        FunctionName=stack.output("ShadowControlFunctionName"), Payload=json.dumps(request).encode()
    )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise CliError(
            f"shadow {request['action']} refused: {payload.get('errorMessage')}",
            "see `customlabels shadow report` and `customlabels status`",
        )
    return payload


class ComparisonCache:
    """The test's comparison records by key and ETag. A record is written once per image version, so a
    console that gathers again reads only the records that are new since (the CLI gathers once, with an
    empty cache). Only the records listed last are kept."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], dict[str, Any]] = {}

    def read(self, s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
        listed = [
            item
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        known, fresh = self._records, {}
        for item in listed:
            ident = (item["Key"], item["ETag"])
            fresh[ident] = known.get(ident) or json.loads(
                s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            )
        self._records = fresh
        return list(fresh.values())


def gather(stack: Stack, cache: ComparisonCache | None = None) -> dict[str, Any]:
    """The test's state (registry) with the agreement of its comparisons (inference bucket)."""
    project = stack.project
    state = shadow.read(stack.registry().table, project)
    if not state:
        raise CliError(
            f"project {project} has had no shadow test", "start one: customlabels shadow start VERSION"
        )
    prefix = f"{SHADOW_PREFIX}{project}/{state['versionName']}/"
    records = (cache or ComparisonCache()).read(
        stack.client("s3"), stack.output("InferenceBucketName"), prefix
    )
    return {"test": state, **shadow.agreement(records)}


def render(report: dict[str, Any]) -> str:
    test = report["test"]
    rate = report["agreementRate"]
    lines = [
        f"Shadow test of {test['versionName']} against {test.get('championVersionName')}: {test['status']} "
        f"(sample {test['sample']:g}, started {test['startedAt']})",
        f"  compared images: {report['compared']}; agreement: {'-' if rate is None else f'{rate:.1%}'}",
    ]
    if "inferenceUnitHours" in test:
        hours = test["inferenceUnitHours"]
        lines.append(f"  challenger inference-unit hours: {hours:g} ({test['stopReason']})")
    cells = [[row["label"], row["images"], f"{row['agreementRate']:.1%}"] for row in report["labels"]]
    lines.append(table(("label", "images", "agreement"), cells))
    lines += [
        f"  differs: {d['image']}: {d['champion']} vs {d['challenger']}" for d in report["disagreements"]
    ]
    return "\n".join(lines)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    if args.shadow_action == "start":
        request = {
            "action": "start",
            "version": args.version,
            "sample": args.sample,
            "hours": args.hours,
            "images": args.images,
        }
        state = control(stack, request)
        print(
            f"Shadow test of {state['versionName']} started on {state['sample']:g} of uploads; the "
            f"challenger is {state['modelStatusAtStart']}",
            file=out,
        )
    elif args.shadow_action == "stop":
        state = control(stack, {"action": "stop"})
        print(
            f"Shadow test of {state['versionName']} stopped: {state['compared']} images compared, "
            f"{state['inferenceUnitHours']:g} inference-unit hours",
            file=out,
        )
    else:
        report = gather(stack)
        print(json.dumps(report, indent=2, default=str) if args.json else render(report), file=out)
    return EXIT_OK
