"""CloudWatch GetMetricData for the CLI and the console: one query per metric, the answers as points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

# GetMetricData takes at most 500 MetricDataQuery structures a request (CloudWatch API Reference,
# GetMetricData, MetricDataQueries).
QUERIES_PER_REQUEST = 500


def aligned_span(now: datetime, history: timedelta, period: int) -> tuple[datetime, datetime]:
    """StartTime and EndTime on multiples of the period, which GetMetricData answers faster (CloudWatch
    API Reference, GetMetricData, StartTime): from the period holding `now - history` to the end of the
    period holding `now`."""
    start = (now - history).timestamp() // period * period
    end = -(-now.timestamp() // period) * period
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


def metric_points(
    cloudwatch: Any, queries: list[dict[str, Any]], start: datetime, end: datetime
) -> Iterator[tuple[str, datetime, float]]:
    """(query id, UTC time, value) of every data point of every query."""
    for first in range(0, len(queries), QUERIES_PER_REQUEST):
        batch = queries[first : first + QUERIES_PER_REQUEST]
        pages = cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=batch, StartTime=start, EndTime=end
        )
        for page in pages:
            for result in page["MetricDataResults"]:
                for stamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                    yield result["Id"], stamp.astimezone(UTC), value
