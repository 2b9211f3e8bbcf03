"""Scheduled (EventBridge): stop the project's idle or over-budget running models, report what was done."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.operations.scheduled import ScheduledGuard

logger = Logger()
tracer = Tracer()
metrics = Metrics()
GUARD = ScheduledGuard(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return GUARD.run(datetime.now(UTC))
