"""Shadow tests: {"action": "start", "version", "sample", "hours"|"images"} or {"action": "stop"} from
`customlabels shadow`; a scheduled event (EventBridge) stops a test that has its images or its time."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.monitoring.shadow_control import ShadowControl, ShadowError
from customlabels.monitoring.shadow_settings import ShadowSettings
from customlabels.training.registry import Registry

logger = Logger()
tracer = Tracer()
SETTINGS = ShadowSettings.from_environ(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    dynamodb = boto3.resource("dynamodb")
    control = ShadowControl(
        project=SETTINGS.project,
        registry=Registry(SETTINGS.registry_table, dynamodb),
        results_table=dynamodb.Table(SETTINGS.results_table),
        rekognition=boto3.client("rekognition"),
        min_inference_units=SETTINGS.min_inference_units,
        max_inference_units=SETTINGS.max_inference_units,
    )
    now = datetime.now(UTC)
    action = event.get("action")
    if action == "start":
        return control.start(
            str(event.get("version", "")),
            float(event.get("sample", 1.0)),
            event.get("hours"),
            event.get("images"),
            now,
        )
    if action == "stop":
        return control.stop(now)
    if event.get("source") == "aws.events":
        return control.finish_if_done(now)
    raise ShadowError(f"unknown request {event!r}: send action start (with version) or stop")
