"""The Monitoring page's drift part: the drift check's latest report (kept by the check itself, so a page
load neither runs the check nor publishes metrics), the drift alarm, and charts over time read from
CloudWatch GetMetricData: each label's share with its baseline share as a reference line, and the
divergence, no-label and low-confidence rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from customlabels.metrics import metric_query
from customlabels.monitoring.metric_names import DIVERGENCE, LABEL_SHARE, LOW_CONFIDENCE_RATE, NO_LABEL_RATE
from customlabels.naming import METRIC_NAMESPACE, service_name_for
from customlabels_cli.commands import monitor
from customlabels_cli.console import charts
from customlabels_cli.support.metric_data import aligned_span, metric_points
from customlabels_cli.support.stack import Stack

HISTORY = timedelta(days=7)  # how far back the charts reach
# The alarm's period is the check's schedule (driftCheckMinutes); credentials without DescribeAlarms
# get the default schedule's period (cdk.json driftCheckMinutes default).
DEFAULT_PERIOD = 3600
# (query id, metric, statistic, title) of the rates: the statistics the stack's dashboard charts them by.
RATES = (
    ("divergence", DIVERGENCE, "Maximum", "Label-mix divergence"),
    ("nolabel", NO_LABEL_RATE, "Maximum", "No-label rate"),
    ("lowconf", LOW_CONFIDENCE_RATE, "Maximum", "Low-confidence rate"),
)


@dataclass
class DriftView:
    alarm: str
    check_minutes: int | None
    problem: str | None = None  # why there is nothing to chart, and what to do
    report: dict[str, Any] | None = None
    verdict: str = ""
    figures: list[str] = field(default_factory=list)
    cells: list[list[str]] = field(default_factory=list)
    label_charts: list[charts.Chart] = field(default_factory=list)
    rate_charts: list[charts.Chart] = field(default_factory=list)
    headers: Sequence[str] = monitor.HEADERS
    note: str | None = None  # the report is of a former champion
    charts_refused: str | None = None  # cloudwatch:GetMetricData denied


def drift_view(stack: Stack, now: datetime) -> DriftView:
    alarm, period = monitor.drift_alarm(stack)
    minutes = period // 60 if period else None
    view = DriftView(alarm, minutes)
    champion = stack.registry().champion(stack.project)
    report = monitor.latest(stack)
    schedule = f"every {minutes} minutes" if minutes else "on its schedule (driftCheckMinutes)"
    if not champion:
        view.problem = (
            f"Project {stack.project} has no champion yet: nothing serves uploads, so there is nothing "
            "to compare. Train a version and promote it (`customlabels promote VERSION`)."
        )
    elif report is None:
        view.problem = f"No drift check has run yet: it runs {schedule}; run `customlabels monitor` now."
    elif report["status"] != "CHECKED":
        view.problem = (
            f"The last drift check ({report['windowEnd']}) had nothing to judge: {report['reason']}"
        )
    if view.problem or report is None:
        return view
    view.report, view.verdict = report, monitor.verdict(report)
    view.figures, view.cells = monitor.figures(report), monitor.label_cells(report)
    if report["champion"] != champion["versionName"]:
        view.note = (
            f"This check was of {report['champion']}; the champion is now {champion['versionName']}: "
            f"the next check ({schedule}, or `customlabels monitor`) compares it."
        )
    try:
        view.label_charts, view.rate_charts = drift_charts(stack, report, period or DEFAULT_PERIOD, now)
    except ClientError as error:
        if error.response["Error"]["Code"] not in monitor.ACCESS_DENIED:
            raise
        view.charts_refused = f"No charts: your credentials may not read the metrics ({error})."
    return view


def drift_charts(
    stack: Stack, report: dict[str, Any], period: int, now: datetime
) -> tuple[list[charts.Chart], list[charts.Chart]]:
    project = report["project"]
    queries = [
        metric_query(
            f"share{index}",
            METRIC_NAMESPACE,
            LABEL_SHARE,
            dimensions(project, label["label"]),
            period,
            "Average",
        )
        for index, label in enumerate(report["labels"])
    ] + [
        metric_query(query_id, METRIC_NAMESPACE, metric, dimensions(project), period, statistic)
        for query_id, metric, statistic, _ in RATES
    ]
    start, end = aligned_span(now, HISTORY, period)
    series = series_by_id(metric_points(stack.client("cloudwatch"), queries, start, end))
    span = charts.domain(list(series.values()), now, timedelta(seconds=period))
    labels = [
        charts.line_chart(
            label["label"],
            series.get(f"share{index}", []),
            span,
            reference=charts.Reference(label["baselineShare"], f"baseline {label['baselineShare']:.1%}"),
        )
        for index, label in enumerate(report["labels"])
    ]
    return labels, rate_charts(report, series, span)


def rate_charts(
    report: dict[str, Any], series: dict[str, list[charts.Point]], span: tuple[datetime, datetime]
) -> list[charts.Chart]:
    threshold = report["thresholds"]["maxDivergence"]
    references = {
        "divergence": charts.Reference(threshold, f"drift at {threshold:g}"),
        "nolabel": _baseline(report["noLabelRate"]["baseline"]),
        "lowconf": _baseline(report["lowConfidenceRate"]["baseline"]),
    }
    return [
        charts.line_chart(
            title,
            series.get(query_id, []),
            span,
            percent=query_id != "divergence",
            reference=references[query_id],
        )
        for query_id, _, _, title in RATES
    ]


def dimensions(project: str, label: str | None = None) -> dict[str, str]:
    """The dimensions the drift check publishes with (Powertools adds `service`, infra/monitoring.py)."""
    found = {"ProjectName": project, "service": service_name_for(project)}
    return found | {"Label": label} if label is not None else found


def series_by_id(points: Any) -> dict[str, list[charts.Point]]:
    """(query id, time, value) points as one time-ordered series per query id."""
    series: dict[str, list[charts.Point]] = {}
    for query_id, when, value in points:
        series.setdefault(query_id, []).append((when, value))
    return {query_id: sorted(found) for query_id, found in series.items()}


def _baseline(rate: float) -> charts.Reference:
    return charts.Reference(rate, f"baseline {rate:.1%}")
