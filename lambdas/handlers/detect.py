"""SQS batch of S3 upload events -> DetectCustomLabels on the champion -> results, partial failures."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.inference.batch import Detector

logger = Logger()
tracer = Tracer()
metrics = Metrics()
DETECTOR = Detector(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return DETECTOR.run(event, context)
