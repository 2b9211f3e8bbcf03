"""Scheduled (EventBridge): stop the project's idle or over-budget running models, report what was done."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.operations.guard import Guard, GuardSettings
from customlabels.training.registry import Registry

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def _guard() -> Guard:
    settings = GuardSettings.from_environ(os.environ)
    return Guard(
        settings,
        rekognition=boto3.client("rekognition"),
        cloudwatch=boto3.client("cloudwatch"),
        sqs=boto3.client("sqs"),
        sns=boto3.client("sns"),
        registry=Registry(settings.registry_table),
    )


def _emit(summary: dict[str, Any]) -> None:
    """Per project: the alarms on idle running models and on the daily cap read these."""
    metrics.add_dimension(name="ProjectName", value=summary["project"])
    kept = [model for model in summary["models"] if model["verdict"] == "keep"]
    stopped = len(summary["models"]) - len(kept)
    metrics.add_metric(name="RunningModels", unit=MetricUnit.Count, value=len(kept))
    metrics.add_metric(name="ModelsStoppedByGuard", unit=MetricUnit.Count, value=stopped)
    idle = max((model["idleMinutes"] for model in kept), default=0)
    metrics.add_metric(name="RunningModelIdleMinutes", unit=MetricUnit.Count, value=idle)
    if _guard().settings.policy.max_unit_hours_per_day is not None:
        used = summary["unitHoursToday"]
        metrics.add_metric(name="InferenceUnitHoursToday", unit=MetricUnit.Count, value=used)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = _guard().run(datetime.now(UTC))
    for model in summary["models"]:
        logger.info("guard decision", extra=model)
    _emit(summary)
    return summary
