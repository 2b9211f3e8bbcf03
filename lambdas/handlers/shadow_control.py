"""Shadow tests: start and stop from `customlabels shadow`; a schedule (EventBridge) ends a finished test."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.monitoring.shadow_control import control_for, handle
from customlabels.monitoring.shadow_settings import ShadowSettings

logger = Logger()
tracer = Tracer()
CONTROL = control_for(ShadowSettings.from_environment(os.environ))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    return handle(CONTROL, event, datetime.now(UTC))
