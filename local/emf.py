"""What CloudWatch Logs does with embedded-metric-format (EMF) lines, done for in-process Lambda runs.

In AWS, Powertools Metrics prints one EMF JSON document per flush to stdout, and CloudWatch turns each
document into metric data. Offline, `capture()` records what the current thread prints during one
invocation (everything still reaches the real stdout), and `publish()` puts every metric of every EMF
document found in it into CloudWatch with PutMetricData: same namespace, dimension sets, unit, values
and timestamp.

Capturing is per thread: `sys.stdout` is replaced by a proxy that copies writes into the buffer of the
thread that made them, so concurrent invocations never see each other's lines.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, TextIO

import boto3

# PutMetricData accepts at most 150 values per datum and 1000 data per request.
MAX_VALUES_PER_DATUM = 150
MAX_DATA_PER_REQUEST = 1000

_local = threading.local()
_install_lock = threading.Lock()


class _ThreadCapturingStdout:
    """Writes go to the wrapped stream and, when the writing thread is capturing, to its buffer too."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        buffer = getattr(_local, "buffer", None)
        if buffer is not None:
            buffer.append(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _install() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadCapturingStdout):
            sys.stdout = _ThreadCapturingStdout(sys.stdout)


@dataclass
class Captured:
    chunks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def documents(self) -> list[dict[str, Any]]:
        """The EMF documents among the printed lines (JSON objects with ``_aws.CloudWatchMetrics``)."""
        found = []
        for line in self.text.splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                document = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "CloudWatchMetrics" in document.get("_aws", {}):
                found.append(document)
        return found


@contextmanager
def capture() -> Iterator[Captured]:
    """Record what this thread prints inside the block (nested blocks each see their own lines)."""
    _install()
    captured = Captured()
    previous = getattr(_local, "buffer", None)
    _local.buffer = captured.chunks
    try:
        yield captured
    finally:
        _local.buffer = previous


def metric_data(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(namespace, PutMetricData datum) for every metric x dimension set of one EMF document."""
    meta = document["_aws"]
    timestamp = datetime.fromtimestamp(meta["Timestamp"] / 1000, tz=UTC)
    data = []
    for directive in meta["CloudWatchMetrics"]:
        for dimension_set in directive.get("Dimensions") or [[]]:
            dimensions = [{"Name": name, "Value": str(document[name])} for name in dimension_set]
            for metric in directive["Metrics"]:
                raw = document[metric["Name"]]
                values = [float(value) for value in (raw if isinstance(raw, list) else [raw])]
                for start in range(0, len(values), MAX_VALUES_PER_DATUM):
                    datum = {
                        "MetricName": metric["Name"],
                        "Dimensions": dimensions,
                        "Timestamp": timestamp,
                        "Values": values[start : start + MAX_VALUES_PER_DATUM],
                        "Unit": metric.get("Unit", "None"),
                    }
                    if "StorageResolution" in metric:
                        datum["StorageResolution"] = metric["StorageResolution"]
                    data.append((directive["Namespace"], datum))
    return data


def publish(documents: list[dict[str, Any]], cloudwatch: Any) -> int:
    """PutMetricData for every metric in the documents; returns the number of data put."""
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        for namespace, datum in metric_data(document):
            by_namespace.setdefault(namespace, []).append(datum)
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), MAX_DATA_PER_REQUEST):
            batch = data[start : start + MAX_DATA_PER_REQUEST]
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
    return sum(len(data) for data in by_namespace.values())


def publish_invocation(captured: Captured, variables: dict[str, str]) -> int:
    """Publish one invocation's metrics the way its function's CloudWatch would (region, endpoint)."""
    documents = captured.documents()
    if not documents:
        return 0
    return publish(documents, _cloudwatch(variables["AWS_REGION"], variables.get("AWS_ENDPOINT_URL")))


@cache
def _cloudwatch(region: str, endpoint_url: str | None) -> Any:
    return boto3.client(
        "cloudwatch",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
