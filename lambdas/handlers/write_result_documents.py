"""Results-table stream (rows that carry a result document) -> the document PUT to S3, partial failures."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.inference.result_documents import ResultDocumentStream

logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # its only outbound calls are AWS SDK calls
metrics = Metrics()
STREAM = ResultDocumentStream(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return STREAM.run(event, context)
