"""`customlabels usage`: per model version and UTC day, inference-unit hours, DetectCustomLabels calls and
throttles, and an estimated cost, from CloudWatch (`AWS/Rekognition`, spec 05 §3). The service publishes
`InServiceInferenceUnits` once a minute while a model runs, so a day's Sum / 60 is its inference-unit
hours. Works wherever CloudWatch answers: AWS, or the offline endpoint (AWS_ENDPOINT_URL). Exit 0."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

import boto3

from customlabels.metrics import metric_query
from customlabels_cli.support.errors import EXIT_OK, guarded
from customlabels_cli.support.metric_data import metric_points
from customlabels_cli.support.stack import PROJECT_ENV, RETRIES
from customlabels_cli.support.tables import table

NAMESPACE = "AWS/Rekognition"
UNITS = "InServiceInferenceUnits"
COUNTS = {"calls": "SuccessfulRequestCount", "throttled": "ThrottledCount"}
# An example only: the us-east-1 list price of one Custom Labels inference hour when this was written.
# Prices differ by Region and change: pass yours with --price-per-iu-hour.
EXAMPLE_PRICE_PER_IU_HOUR = 4.00
MINUTES_PER_HOUR = 60
DAY_SECONDS = 86400
MAX_DAYS = 15  # CloudWatch keeps one-minute data points for 15 days
HEADERS = ("project", "version", "day (UTC)", "IU-hours", "calls", "throttled", "est. cost")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "usage",
        help="inference-unit hours, calls and estimated cost per model version and day",
        description="Per model version and UTC day: inference-unit hours (AWS/Rekognition "
        "InServiceInferenceUnits), successful and throttled DetectCustomLabels calls, and the cost at "
        "--price-per-iu-hour. Reads CloudWatch only; every project of the account and Region unless "
        "--project.",
    )
    parser.add_argument(
        "--days", type=_days, default=7, help=f"today and the days before (1-{MAX_DAYS}, default 7)"
    )
    parser.add_argument(
        "--price-per-iu-hour",
        type=_price,
        default=EXAMPLE_PRICE_PER_IU_HOUR,
        metavar="P",
        help=f"price of one inference-unit hour (default {EXAMPLE_PRICE_PER_IU_HOUR:.2f}, an example: "
        "us-east-1 USD; use your Region's price)",
    )
    parser.add_argument(
        "--project", metavar="NAME", help=f"only this project (default ${PROJECT_ENV} or all)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(
            f"--days must be 1-{MAX_DAYS} (one-minute data is kept {MAX_DAYS} days)"
        )
    return value


def _price(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("--price-per-iu-hour must be 0 or more")
    return value


def model_versions(cloudwatch: Any, project: str | None) -> list[tuple[str, str]]:
    """(project, version) of every model that has reported units in service."""
    request: dict[str, Any] = {"Namespace": NAMESPACE, "MetricName": UNITS}
    if project:
        request["Dimensions"] = [{"Name": "ProjectName", "Value": project}]
    found = set()
    for page in cloudwatch.get_paginator("list_metrics").paginate(**request):
        for metric in page["Metrics"]:
            dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            if {"ProjectName", "VersionName"} <= dimensions.keys():
                found.add((dimensions["ProjectName"], dimensions["VersionName"]))
    return sorted(found)


def _query(query_id: str, metric: str, project: str, version: str) -> dict[str, Any]:
    dimensions = {"ProjectName": project, "VersionName": version}
    return metric_query(query_id, NAMESPACE, metric, dimensions, DAY_SECONDS, "Sum")


def daily_sums(
    cloudwatch: Any, queries: list[dict], start: datetime, end: datetime
) -> Iterator[tuple[str, date, float]]:
    """(query id, UTC day, sum) for every day with data."""
    for query_id, stamp, value in metric_points(cloudwatch, queries, start, end):
        yield query_id, stamp.date(), value


def gather(cloudwatch: Any, project: str | None, days: int, price: float, now: datetime) -> dict[str, Any]:
    start = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), UTC)
    versions = model_versions(cloudwatch, project)
    metrics = {"units": UNITS, **COUNTS}
    queries = [
        _query(f"{key}{index}", metric, *names)
        for index, names in enumerate(versions)
        for key, metric in metrics.items()
    ]
    rows: dict[tuple[int, date], dict[str, float]] = {}
    for query_id, day, value in daily_sums(cloudwatch, queries, start, now):
        key = query_id.rstrip("0123456789")
        row = rows.setdefault((int(query_id[len(key) :]), day), dict.fromkeys(metrics, 0.0))
        row[key] += value
    report = []
    for (index, day), sums in sorted(rows.items(), key=lambda item: (versions[item[0][0]], item[0][1])):
        unit_hours = sums["units"] / MINUTES_PER_HOUR
        report.append(
            {
                "project": versions[index][0],
                "version": versions[index][1],
                "day": day.isoformat(),
                "inferenceUnitHours": round(unit_hours, 4),
                "calls": int(sums["calls"]),
                "throttled": int(sums["throttled"]),
                "estimatedCost": round(unit_hours * price, 2),
            }
        )
    return {
        "from": start.date().isoformat(),
        "to": now.date().isoformat(),
        "pricePerInferenceUnitHour": price,
        "rows": report,
        "total": {
            "inferenceUnitHours": round(sum(r["inferenceUnitHours"] for r in report), 4),
            "calls": sum(r["calls"] for r in report),
            "throttled": sum(r["throttled"] for r in report),
            "estimatedCost": round(sum(r["estimatedCost"] for r in report), 2),
        },
    }


def render(usage: dict[str, Any]) -> str:
    price = usage["pricePerInferenceUnitHour"]
    head = f"Usage {usage['from']} to {usage['to']} (UTC) at {price:.2f} per IU-hour"
    if not usage["rows"]:
        return f"{head}\n  no model has run in this period"
    cells = [
        [
            r["project"],
            r["version"],
            r["day"],
            f"{r['inferenceUnitHours']:.4f}",
            r["calls"],
            r["throttled"],
            f"{r['estimatedCost']:.2f}",
        ]
        for r in usage["rows"]
    ]
    total = usage["total"]
    cells.append(
        [
            "total",
            "",
            "",
            f"{total['inferenceUnitHours']:.4f}",
            total["calls"],
            total["throttled"],
            f"{total['estimatedCost']:.2f}",
        ]
    )
    return f"{head}\n{table(HEADERS, cells)}"


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    cloudwatch = boto3.Session().client("cloudwatch", config=RETRIES)
    project = args.project or args.global_project or os.environ.get(PROJECT_ENV)
    usage = gather(cloudwatch, project, args.days, args.price_per_iu_hour, datetime.now(UTC))
    print(json.dumps(usage, indent=2) if args.json else render(usage), file=out)
    return EXIT_OK
