"""One guard run: observe each model of the project, decide, stop what should stop, tell people, record it.

Observations: model status (DescribeProjectVersions), the detect path's per-model ``Detections`` metric,
the inference queue's depth (visible + in flight + delayed: a message being retried is still work),
and, when a daily cap is set, the project's inference-unit hours since 00:00 UTC from
``AWS/Rekognition InServiceInferenceUnits`` (spec 05 §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from customlabels.environment import PowertoolsSettings
from customlabels.metrics import (
    IN_SERVICE_INFERENCE_UNITS,
    REKOGNITION_NAMESPACE,
    Dimension,
    Metric,
    metric_query,
)
from customlabels.naming import version_name_of
from customlabels.operations.idle import (
    RUNNING,
    Decision,
    ModelActivity,
    Reason,
    cap_hold_until,
    decide,
)
from customlabels.operations.settings import GuardSettings
from customlabels.operations.usage import unit_hours
from customlabels.rekognition.projects import find_project_arn
from customlabels.rekognition.versions import stop_model
from customlabels.training.registry import Registry

USAGE_PERIOD_SECONDS = 300
TRAFFIC_PERIOD_SECONDS = 60
QUEUE_ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


@dataclass(frozen=True)
class ModelReport:
    version_name: str
    version_arn: str
    decision: Decision
    stopped_status: str | None = None

    def as_dict(self, lookback_minutes: float) -> dict[str, Any]:
        """``idleMinutes`` is a lower bound (the look-back) when no activity was found in it."""
        idle = self.decision.idle_minutes
        return {
            "versionName": self.version_name,
            "versionArn": self.version_arn,
            "verdict": self.decision.verdict.value,
            "reason": self.decision.reason.value,
            "detail": self.decision.detail,
            "idleMinutes": lookback_minutes if idle is None else round(idle, 1),
            "statusAfter": self.stopped_status,
        }


class Guard:
    def __init__(
        self,
        settings: GuardSettings,
        *,
        rekognition: Any,
        cloudwatch: Any,
        sqs: Any,
        sns: Any,
        registry: Registry,
        powertools: PowertoolsSettings | None = None,
    ) -> None:
        self.settings = settings
        self.powertools = powertools or PowertoolsSettings()  # where the Detections metric is
        self.rekognition = rekognition
        self.cloudwatch = cloudwatch
        self.sqs = sqs
        self.sns = sns
        self.registry = registry

    def run(self, now: datetime) -> dict[str, Any]:
        project_arn = find_project_arn(self.rekognition, self.settings.project_name)
        if project_arn is None:
            return {"project": self.settings.project_name, "models": [], "unitHoursToday": 0.0}
        versions = self._versions(project_arn)
        running = [version for version in versions if version["Status"] == RUNNING]
        queued = self.queued_messages() if running else 0
        used = self.unit_hours_today(versions, now) if self.settings.policy.max_unit_hours_per_day else 0.0
        reports = []
        for version in versions:
            record = self.registry.get_version(self.settings.project_name, _name(version))
            if version["Status"] == RUNNING:
                reports.append(self._guard_running(version, record, queued, used, now))
            elif record and record.get("guardSawStatus") == RUNNING:
                self.registry.update_version(
                    self.settings.project_name,
                    _name(version),
                    guardSawStatus=version["Status"],
                    runningSince=None,
                )
        return {
            "project": self.settings.project_name,
            "queuedMessages": queued,
            "unitHoursToday": used,
            "models": [report.as_dict(self.settings.lookback_minutes) for report in reports],
        }

    def _guard_running(
        self, version: dict, record: dict | None, queued: int, used: float, now: datetime
    ) -> ModelReport:
        running_since = _running_since(record, now)
        detected = self.last_detection(_name(version), now)
        last_active = max(filter(None, [detected, running_since]), default=None)
        decision = decide(ModelActivity(RUNNING, now, last_active, queued), self.settings.policy, used)
        stopped = stop_model(self.rekognition, version) if decision.stop else None
        report = ModelReport(_name(version), version["ProjectVersionArn"], decision, stopped)
        if record is None:
            if decision.stop:
                self._publish(report, now)
            return report
        changed = (record.get("guardVerdict"), record.get("guardReason")) != (
            decision.verdict.value,
            decision.reason.value,
        )
        self.registry.update_version(
            self.settings.project_name,
            report.version_name,
            status=stopped or RUNNING,
            guardSawStatus=stopped or RUNNING,
            runningSince=None if decision.stop else running_since.isoformat(timespec="seconds"),
            guardCheckedAt=now.isoformat(timespec="seconds"),
            guardVerdict=decision.verdict.value,
            guardReason=decision.reason.value,
            guardDetail=decision.detail,
            **({"stoppedAt": now.isoformat(timespec="seconds")} if decision.stop else {}),
            **({"capHoldUntil": _cap_hold(now)} if _over_cap(decision) else {}),
        )
        if decision.stop or changed:
            self._publish(report, now)
        return report

    def _versions(self, project_arn: str) -> list[dict]:
        paginator = self.rekognition.get_paginator("describe_project_versions")
        return [
            version
            for page in paginator.paginate(ProjectArn=project_arn)
            for version in page["ProjectVersionDescriptions"]
        ]

    def queued_messages(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.settings.queue_url, AttributeNames=QUEUE_ATTRIBUTES
        )["Attributes"]
        return sum(int(attributes.get(name, 0)) for name in QUEUE_ATTRIBUTES)

    def last_detection(self, version_name: str, now: datetime) -> datetime | None:
        """End of the latest minute in the look-back with at least one image analysed by this model.

        The query ends a period after ``now`` so that the current, still open minute is included.
        """
        start = now - timedelta(minutes=self.settings.lookback_minutes)
        end = now + timedelta(seconds=TRAFFIC_PERIOD_SECONDS)
        result = self._metric_data(
            [
                metric_query(
                    "d",
                    self.powertools.powertools_metrics_namespace,
                    Metric.DETECTIONS,
                    {
                        Dimension.PROJECT_NAME: self.settings.project_name,
                        Dimension.VERSION_NAME: version_name,
                        "service": self.powertools.powertools_service_name,
                    },
                    TRAFFIC_PERIOD_SECONDS,
                    "Sum",
                )
            ],
            start,
            end,
        )["d"]
        active = [stamp for stamp, value in result if value > 0]
        if not active:
            return None
        return min(max(active) + timedelta(seconds=TRAFFIC_PERIOD_SECONDS), now)

    def unit_hours_today(self, versions: list[dict], now: datetime) -> float:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        queries = [
            metric_query(
                f"v{index}",
                REKOGNITION_NAMESPACE,
                IN_SERVICE_INFERENCE_UNITS,
                {Dimension.PROJECT_NAME: self.settings.project_name, Dimension.VERSION_NAME: _name(version)},
                USAGE_PERIOD_SECONDS,
                "Average",
            )
            for index, version in enumerate(versions)
        ]
        if not queries:
            return 0.0
        series = self._metric_data(queries, midnight, now)
        return unit_hours((value for points in series.values() for _, value in points), USAGE_PERIOD_SECONDS)

    def _metric_data(self, queries: list[dict], start: datetime, end: datetime) -> dict[str, list[tuple]]:
        series: dict[str, list[tuple]] = {query["Id"]: [] for query in queries}
        paginator = self.cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(MetricDataQueries=queries, StartTime=start, EndTime=end):
            for result in page["MetricDataResults"]:
                points = zip(result["Timestamps"], result["Values"], strict=True)
                series[result["Id"]] += [(_utc(stamp), value) for stamp, value in points]
        return series

    def _publish(self, report: ModelReport, now: datetime) -> None:
        decision, model = report.decision, report.version_name
        done = "stopped" if decision.stop else "kept running"
        subject = f"{self.settings.project_name}: model {model} {done} ({decision.reason.value})"
        if decision.stop:
            action = (
                f"The idle guard stopped model {model} ({decision.reason.value}); "
                f"status now {report.stopped_status}."
            )
        else:
            action = f"The idle guard kept model {model} running ({decision.reason.value})."
        advice = ""
        if _over_cap(decision):
            advice = (
                f"\nUploads will not start it again before {_cap_hold(now)} (next UTC day). "
                "Raise maxInferenceUnitHoursPerDay or start the model again tomorrow."
            )
        elif decision.stop:
            advice = "\nThe next upload starts it again (onModelStopped=start) or start it yourself."
        self.sns.publish(
            TopicArn=self.settings.topic_arn,
            Subject=subject[:100],
            Message=f"{action}\nWhy: {decision.detail}.\nModel: {report.version_arn}{advice}",
            MessageAttributes={
                "event": {
                    "DataType": "String",
                    "StringValue": "model-stopped" if decision.stop else "model-kept",
                },
                "reason": {"DataType": "String", "StringValue": decision.reason.value},
            },
        )


def _name(version: dict) -> str:
    return version_name_of(version["ProjectVersionArn"])


def _over_cap(decision: Decision) -> bool:
    return decision.stop and decision.reason is Reason.OVER_DAILY_CAP


def _cap_hold(now: datetime) -> str:
    return cap_hold_until(now).isoformat(timespec="seconds")


def _running_since(record: dict | None, now: datetime) -> datetime:
    """When the guard first saw this run of the model; a model it has not seen running starts now."""
    if record and record.get("guardSawStatus") == RUNNING and record.get("runningSince"):
        return datetime.fromisoformat(record["runningSince"])
    return now


def _utc(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
