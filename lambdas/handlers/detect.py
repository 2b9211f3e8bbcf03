"""SQS batch of S3 upload events -> DetectCustomLabels on the champion -> results, partial failures."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.inference.batch import Detector

logger = Logger()
# The function's only outbound calls are AWS SDK calls: patching every library X-Ray knows (requests,
# aiobotocore, sqlite3, ...) imported them all at cold start (~40 ms) for nothing to trace.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()
DETECTOR = Detector(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return DETECTOR.run(event, context)
