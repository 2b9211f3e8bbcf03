"""Scheduled (EventBridge): compare the champion's recent results with its test-set baseline; metrics."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.monitoring import metrics as drift_metrics
from customlabels.monitoring.check import scheduled_check
from customlabels.monitoring.settings import DriftSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
SETTINGS = DriftSettings.from_environment(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = scheduled_check(SETTINGS, datetime.now(UTC))
    logger.info("drift check", extra={k: v for k, v in report.items() if k != "labels"})
    drift_metrics.publish(metrics, report)
    return report
