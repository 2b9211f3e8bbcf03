"""Scheduled (EventBridge): compare the champion's recent results with its test-set baseline; metrics."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.monitoring import metrics as drift_metrics
from customlabels.monitoring.check import Clients, check_drift
from customlabels.monitoring.settings import DriftSettings
from customlabels.training.registry import Registry

logger = Logger()
tracer = Tracer()
metrics = Metrics()
SETTINGS = DriftSettings.from_environ(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    dynamodb = boto3.resource("dynamodb")
    clients = Clients(
        s3=boto3.client("s3"),
        rekognition=boto3.client("rekognition"),
        registry=Registry(SETTINGS.registry_table, dynamodb),
        results_table=dynamodb.Table(SETTINGS.results_table),
    )
    report = check_drift(
        clients,
        SETTINGS.project,
        window_hours=SETTINGS.window_hours,
        min_confidence=SETTINGS.min_confidence,
        thresholds=SETTINGS.thresholds,
        now=datetime.now(UTC),
    )
    logger.info("drift check", extra={k: v for k, v in report.items() if k != "labels"})
    drift_metrics.publish(metrics, report)
    return report
