"""What the service publishes to CloudWatch about its models (spec 05 §3): namespace ``AWS/Rekognition``,
dimensions ``ProjectName`` and ``VersionName``.

- While a model is RUNNING, once a minute (``usage_period_seconds`` of real time; shorter in tests, an
  accelerated minute): ``InServiceInferenceUnits`` (its units in service) and ``DesiredInferenceUnits``
  (one more while auto scaling brings a unit into service). Each data point stands for one minute.
- Per ``DetectCustomLabels`` call on a model: ``SuccessfulRequestCount``, ``ThrottledCount``,
  ``UserErrorCount`` or ``ServerErrorCount`` (1), and for a success ``DetectedLabelCount`` and
  ``ResponseTime`` (milliseconds).

Data go to a sink (moto's CloudWatch backend of the service's account and Region, see moto_integration);
a sink that raises ``Retired`` ends the publication (the service was reset and replaced).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.emulator.errors import (
    CustomLabelsError,
    ProvisionedThroughputExceededException,
    ThrottlingException,
)

LOG = logging.getLogger(__name__)
NAMESPACE = "AWS/Rekognition"
Datum = dict[str, Any]
Units = tuple[int, int]  # a running model's inference units: (in service, desired)
Sink = Callable[[list[Datum]], None]
_VERSION = re.compile(r":project/(?P<project>[^/]+)/version/(?P<version>[^/]+)/\d+$")


class Retired(Exception):
    """The service this publication belongs to is no longer the one serving its account and Region."""


def datum(name: str, value: float, unit: str, project: str, version: str, at: datetime) -> Datum:
    """One PutMetricData datum; the timestamp is naive UTC, as moto stores timestamps."""
    return {
        "MetricName": name,
        "Value": float(value),
        "Unit": unit,
        "Timestamp": at.astimezone(UTC).replace(tzinfo=None),
        "Dimensions": [{"Name": "ProjectName", "Value": project}, {"Name": "VersionName", "Value": version}],
    }


def names_of(version_arn: object) -> tuple[str, str] | None:
    """(project name, version name) of a model-version ARN, None when it is not one."""
    match = _VERSION.search(version_arn) if isinstance(version_arn, str) else None
    return (match["project"], match["version"]) if match else None


@dataclass
class CallRecord:
    labels: int = 0  # labels in the response of a successful call


class UsageMetrics:
    def __init__(self, sink: Sink | None, period_seconds: float) -> None:
        if period_seconds <= 0:
            raise ValueError(f"usage_period_seconds must be above 0, got {period_seconds}")
        self.sink = sink
        self.period_seconds = period_seconds
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, units_in_service: Callable[[], dict[str, Units]]) -> None:
        """Publish the units in service of every running model once per period, from now until
        shutdown (idempotent; the first model that starts running calls it)."""
        with self._lock:
            if self._timer is not None or self.sink is None:
                return
            self._timer = threading.Thread(
                target=self._tick, args=(units_in_service,), name="customlabels-usage", daemon=True
            )
            self._timer.start()

    def _tick(self, units_in_service: Callable[[], dict[str, Units]]) -> None:
        while not self._stop.wait(self.period_seconds):
            try:
                self.publish_units(units_in_service(), datetime.now(UTC))
            except Retired:
                return
            except Exception:
                LOG.exception("publishing InServiceInferenceUnits failed")

    def publish_units(self, units: dict[str, Units], at: datetime) -> None:
        """One data point of each metric per running model (version ARN -> units); the desired units
        run ahead of those in service while auto scaling adds one."""
        data = []
        for arn, (in_service, desired) in units.items():
            names = names_of(arn)
            if names is not None:
                data += [
                    datum("InServiceInferenceUnits", in_service, "Count", *names, at),
                    datum("DesiredInferenceUnits", desired, "Count", *names, at),
                ]
        if data:
            self._put(data)

    @contextmanager
    def call(self, version_arn: object) -> Iterator[CallRecord]:
        """Publish the outcome of one DetectCustomLabels call made inside the block."""
        names, record, started = names_of(version_arn), CallRecord(), time.monotonic()
        try:
            yield record
        except Exception as error:
            if names is not None:
                self._put([datum(_error_metric(error), 1, "Count", *names, datetime.now(UTC))])
            raise
        if names is not None:
            now, elapsed = datetime.now(UTC), (time.monotonic() - started) * 1000
            self._put(
                [
                    datum("SuccessfulRequestCount", 1, "Count", *names, now),
                    datum("DetectedLabelCount", record.labels, "Count", *names, now),
                    datum("ResponseTime", elapsed, "Milliseconds", *names, now),
                ]
            )

    def _put(self, data: list[Datum]) -> None:
        if self.sink is not None:
            self.sink(data)

    def shutdown(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()


def _error_metric(error: Exception) -> str:
    """Throttling, a client error of the request (4xx), or anything else: the service's fault."""
    if isinstance(error, ProvisionedThroughputExceededException | ThrottlingException):
        return "ThrottledCount"
    if isinstance(error, CustomLabelsError) and error.status < 500:
        return "UserErrorCount"
    return "ServerErrorCount"
