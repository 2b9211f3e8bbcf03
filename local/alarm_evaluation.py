"""CloudWatch alarm evaluation, which moto leaves out: moto stores metric alarms and never evaluates them.

`evaluate(account, region)` evaluates every metric alarm of that account and Region against the data
points moto stores: the alarm's statistic over each of its `EvaluationPeriods` periods ending now, the
comparison with its threshold, `DatapointsToAlarm` of them breaching for ALARM, and `TreatMissingData`
for periods without data. A changed state goes through `set_alarm_state`, so the alarm's actions run
(local/access/deliveries.py publishes to SNS as CloudWatch). `AlarmEvaluator` does it on a timer for
`python -m local serve`; tests call `evaluate` when they need it.

Alarms on metric math or an extended statistic (percentiles) are left as they are.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from moto.cloudwatch.models import Alarm, CloudWatchBackend, MetricAggregatedDatum, cloudwatch_backends

LOG = logging.getLogger(__name__)
COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (
        lambda value, threshold: value >= threshold,
        "greater than or equal to",
    ),
    "GreaterThanThreshold": (lambda value, threshold: value > threshold, "greater than"),
    "LessThanThreshold": (lambda value, threshold: value < threshold, "less than"),
    "LessThanOrEqualToThreshold": (lambda value, threshold: value <= threshold, "less than or equal to"),
}
STATISTICS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")


@dataclass(frozen=True)
class Change:
    alarm: str
    previous: str
    state: str
    reason: str


def statistic(name: str, data: Iterable[object]) -> float | None:
    """The statistic of the data points (plain values or statistic sets) of one period; None: no data."""
    count = total = 0.0
    low, high = float("inf"), float("-inf")
    for point in data:
        if isinstance(point, MetricAggregatedDatum):
            count, total = count + point.sample_count, total + point.sum
            low, high = min(low, point.min), max(high, point.max)
        else:
            value = float(point.value)  # type: ignore[attr-defined]
            count, total, low, high = count + 1, total + value, min(low, value), max(high, value)
    if count == 0:
        return None
    return {"SampleCount": count, "Sum": total, "Average": total / count, "Minimum": low, "Maximum": high}[
        name
    ]


def _evaluable(alarm: Alarm) -> bool:
    return bool(
        alarm.metric_name
        and not alarm.metric_data_queries
        and alarm.statistic in STATISTICS
        and alarm.comparison_operator in COMPARISONS
    )


def _period_values(
    backend: CloudWatchBackend, alarm: Alarm, now: datetime
) -> list[tuple[datetime, float | None]]:
    """(period start, statistic) for each evaluation period, oldest first; moto stores naive UTC."""
    end = now.astimezone(UTC).replace(tzinfo=None)
    period = timedelta(seconds=int(alarm.period))
    start = end - period * int(alarm.evaluation_periods)
    dimensions = sorted(alarm.dimensions)
    points = [
        point
        for point in list(backend.metric_data)
        if point.namespace == alarm.namespace
        and point.name == alarm.metric_name
        and sorted(point.dimensions) == dimensions
        and (not alarm.unit or point.unit == alarm.unit)
        and start <= point.timestamp < end
    ]
    values = []
    for index in range(int(alarm.evaluation_periods)):
        low = start + period * index
        in_period = [point for point in points if low <= point.timestamp < low + period]
        values.append((low, statistic(alarm.statistic, in_period)))
    return values


def decide(alarm: Alarm, values: list[tuple[datetime, float | None]]) -> tuple[str, str]:
    """(state, reason) the way CloudWatch words it."""
    compare, words = COMPARISONS[alarm.comparison_operator]
    treat = alarm.treat_missing_data or "missing"
    present = [(at, value) for at, value in values if value is not None]
    breaching = [(at, value) for at, value in present if compare(value, float(alarm.threshold))]
    missing = len(values) - len(present)
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    if len(breaching) + (missing if treat == "breaching" else 0) >= needed:
        shown = ", ".join(f"{value:g} ({at:%d/%m/%y %H:%M:%S})" for at, value in breaching) or "missing data"
        return "ALARM", (
            f"Threshold Crossed: {len(breaching) or missing} datapoint(s) [{shown}] "
            f"{'was' if len(breaching) == 1 else 'were'} {words} the threshold ({float(alarm.threshold):g})."
        )
    if not present and treat == "missing":
        return "INSUFFICIENT_DATA", (
            f"Insufficient Data: {len(values)} datapoint(s) were unknown for the last "
            f"{alarm.evaluation_periods} period(s)."
        )
    if not present and treat == "ignore":
        return alarm.state_value, alarm.state_reason
    return "OK", (
        f"Threshold Crossed: no datapoint of the last {alarm.evaluation_periods} period(s) was {words} "
        f"the threshold ({float(alarm.threshold):g})."
    )


def evaluate(account: str, region: str, now: datetime | None = None) -> list[Change]:
    """Evaluate the metric alarms of one account and Region; returns the state changes made."""
    backend: CloudWatchBackend = cloudwatch_backends[account][region]
    now = now or datetime.now(UTC)
    changes = []
    for alarm in list(backend.alarms.values()):
        if not _evaluable(alarm):
            continue
        state, reason = decide(alarm, _period_values(backend, alarm, now))
        if state == alarm.state_value:
            continue
        previous = alarm.state_value
        data = json.dumps({"version": "1.0", "queryDate": now.isoformat(), "threshold": alarm.threshold})
        backend.set_alarm_state(alarm.name, reason, data, state)
        changes.append(Change(alarm.name, previous, state, reason))
    return changes


def evaluate_everywhere(now: datetime | None = None) -> list[Change]:
    """Every account and Region that has alarms."""
    changes = []
    for account, regions in list(cloudwatch_backends.items()):
        for region, backend in list(regions.items()):
            if backend.alarms:
                changes += evaluate(account, region, now)
    return changes


class AlarmEvaluator:
    """Evaluates every alarm every `interval` seconds on a daemon thread, until stopped."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alarm-evaluation", daemon=True)

    def start(self) -> AlarmEvaluator:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                for change in evaluate_everywhere():
                    LOG.info("alarm %s: %s -> %s", change.alarm, change.previous, change.state)
            except Exception:
                LOG.exception("alarm evaluation failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
