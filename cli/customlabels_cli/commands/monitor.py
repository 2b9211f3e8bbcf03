"""`customlabels monitor [--json]`: drift of what the champion sees, checked now. Runs the stack's drift
check function (the one the schedule runs, with the thresholds the stack was deployed with: it also
publishes the metrics the drift alarm reads) and shows its report with the drift alarm's state.
Exit 0 when the check ran (drift or not), 1 when it failed, 2 when the stack cannot be reached."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from botocore.exceptions import ClientError

from customlabels.monitoring import latest_report
from customlabels_cli.support.errors import EXIT_FAILED, EXIT_OK, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments
from customlabels_cli.support.tables import table

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException"}
HEADERS = ("label", "baseline share", "window share", "change", "baseline conf.", "window conf.")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "monitor",
        help="drift of the champion's inputs against its test set, and the drift alarm",
        description="Compare the champion's results of the last window (driftWindowHours) with its "
        "test set's predictions: each label's share, the Jensen-Shannon divergence of the label mix, "
        "the no-label and low-confidence rates; drift when a threshold (cdk.json drift*) is crossed.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def check_now(stack: Stack) -> dict[str, Any]:
    response = stack.client("lambda").invoke(FunctionName=stack.output("DriftCheckFunctionName"))
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        error = payload or {}
        return {"status": "FAILED", "reason": f"{error.get('errorType')}: {error.get('errorMessage')}"}
    return {**payload, "alarm": alarm_state(stack)}


def alarm_state(stack: Stack) -> str:
    return drift_alarm(stack)[0]


def drift_alarm(stack: Stack) -> tuple[str, int | None]:
    """The drift alarm's state and period (seconds, the check's schedule). OperatorAccess may describe
    this alarm; credentials that may not get the state saying so and no period, instead of failing."""
    try:
        alarms = stack.client("cloudwatch").describe_alarms(AlarmNames=[stack.output("DriftAlarmName")])
    except ClientError as error:
        if error.response["Error"]["Code"] not in ACCESS_DENIED:
            raise
        return "NOT_READABLE (cloudwatch:DescribeAlarms not allowed)", None
    found = alarms.get("MetricAlarms", [])
    return (found[0]["StateValue"], found[0].get("Period")) if found else ("NOT_FOUND", None)


def latest(stack: Stack) -> dict[str, Any] | None:
    """The last report the drift check kept (scheduled or `monitor`), without running it; None before
    the first check."""
    return latest_report.read(stack.registry().table, stack.project)


def verdict(report: dict[str, Any]) -> str:
    if not report["judged"]:
        return f"not judged (fewer than {report['thresholds']['minImages']} images in the window)"
    return "DRIFT" if report["drift"] else "no drift"


def render(report: dict[str, Any]) -> str:
    if report["status"] != "CHECKED":
        return f"Drift: {report['status']}: {report['reason']}"
    lines = [
        f"Drift of {report['project']}'s champion {report['champion']}: {verdict(report)} "
        f"(alarm {report['alarm']})",
        *(f"  {line}" for line in figures(report) + report["reasons"]),
    ]
    return "\n".join(lines) + "\n" + table(HEADERS, label_cells(report))


def figures(report: dict[str, Any]) -> list[str]:
    """The window, the divergence and the rates, one line each (the CLI's, the console's too)."""
    no_label, low = report["noLabelRate"], report["lowConfidenceRate"]
    return [
        f"window {report['windowStart']} to {report['windowEnd']}: {report['windowImages']} images; "
        f"baseline: {report['baselineImages']} test images",
        f"label-mix divergence {report['labelMixDivergence']:.3f} "
        f"(drift at {report['thresholds']['maxDivergence']:g})",
        f"no label: {no_label['baseline']:.0%} -> {no_label['window']:.0%}; "
        f"low confidence: {low['baseline']:.0%} -> {low['window']:.0%}",
    ]


def label_cells(report: dict[str, Any]) -> list[list[str]]:
    """The per-label rows under HEADERS (the CLI's table, the console's too)."""
    return [
        [
            label["label"],
            f"{label['baselineShare']:.1%}",
            f"{label['windowShare']:.1%}",
            f"{label['shareChange']:+.1%}",
            _confidence(label["baselineMeanConfidence"]),
            _confidence(label["windowMeanConfidence"]),
        ]
        for label in report["labels"]
    ]


def _confidence(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    report = check_now(Stack.from_args(args))
    print(json.dumps(report, indent=2) if args.json else render(report), file=out)
    return EXIT_FAILED if report["status"] == "FAILED" else EXIT_OK
