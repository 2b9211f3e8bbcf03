"""One scheduled run of the guard: built from the function's environment on first use, decisions logged,
the per-project metrics the idle-model and daily-cap alarms read emitted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from customlabels.operations.guard import Guard, GuardSettings
from customlabels.training.registry import Registry

logger = Logger(child=True)
metrics = Metrics()


class ScheduledGuard:
    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = environment

    @cached_property
    def guard(self) -> Guard:
        settings = GuardSettings.from_environ(self._environment)
        return Guard(
            settings,
            rekognition=boto3.client("rekognition"),
            cloudwatch=boto3.client("cloudwatch"),
            sqs=boto3.client("sqs"),
            sns=boto3.client("sns"),
            registry=Registry(settings.registry_table),
        )

    def run(self, now: datetime) -> dict[str, Any]:
        summary = self.guard.run(now)
        for model in summary["models"]:
            logger.info("guard decision", extra=model)
        self._emit(summary)
        return summary

    def _emit(self, summary: dict[str, Any]) -> None:
        metrics.add_dimension(name="ProjectName", value=summary["project"])
        kept = [model for model in summary["models"] if model["verdict"] == "keep"]
        stopped = len(summary["models"]) - len(kept)
        metrics.add_metric(name="RunningModels", unit=MetricUnit.Count, value=len(kept))
        metrics.add_metric(name="ModelsStoppedByGuard", unit=MetricUnit.Count, value=stopped)
        idle = max((model["idleMinutes"] for model in kept), default=0)
        metrics.add_metric(name="RunningModelIdleMinutes", unit=MetricUnit.Count, value=idle)
        if self.guard.settings.policy.max_unit_hours_per_day is not None:
            used = summary["unitHoursToday"]
            metrics.add_metric(name="InferenceUnitHoursToday", unit=MetricUnit.Count, value=used)
