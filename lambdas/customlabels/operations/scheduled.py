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

from customlabels.environment import PowertoolsSettings
from customlabels.metrics import Dimension, Metric
from customlabels.operations.guard import Guard
from customlabels.operations.settings import GuardSettings
from customlabels.training.registry import Registry

logger = Logger(child=True)
metrics = Metrics()


class ScheduledGuard:
    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = environment

    @cached_property
    def guard(self) -> Guard:
        settings = GuardSettings.from_environment(self._environment)
        return Guard(
            settings,
            rekognition=boto3.client("rekognition"),
            cloudwatch=boto3.client("cloudwatch"),
            sqs=boto3.client("sqs"),
            sns=boto3.client("sns"),
            registry=Registry(settings.registry_table_name),
            powertools=PowertoolsSettings.from_environment(self._environment),
        )

    def run(self, now: datetime) -> dict[str, Any]:
        summary = self.guard.run(now)
        for model in summary["models"]:
            logger.info("guard decision", extra=model)
        self._emit(summary)
        return summary

    def _emit(self, summary: dict[str, Any]) -> None:
        metrics.add_dimension(name=Dimension.PROJECT_NAME, value=summary["project"])
        kept = [model for model in summary["models"] if model["verdict"] == "keep"]
        stopped = len(summary["models"]) - len(kept)
        metrics.add_metric(name=Metric.RUNNING_MODELS, unit=MetricUnit.Count, value=len(kept))
        metrics.add_metric(name=Metric.MODELS_STOPPED_BY_GUARD, unit=MetricUnit.Count, value=stopped)
        idle = max((model["idleMinutes"] for model in kept), default=0)
        metrics.add_metric(name=Metric.RUNNING_MODEL_IDLE_MINUTES, unit=MetricUnit.Count, value=idle)
        if self.guard.settings.policy.max_unit_hours_per_day is not None:
            used = summary["unitHoursToday"]
            metrics.add_metric(name=Metric.INFERENCE_UNIT_HOURS_TODAY, unit=MetricUnit.Count, value=used)
