"""Task SummariseBatch: summary.json and results.jsonl under batches/<execution>/ from the Map's results."""

from aws_lambda_powertools import Logger, Tracer

from customlabels import aws_clients
from customlabels.batch.summary import summarise

logger, tracer = Logger(), Tracer()
S3 = aws_clients.client("s3")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> dict:
    return summarise(event, S3)
