"""Task PrepareBatch: the execution input checked, the model version resolved and its status read;
a video source is cut into chunks (batches/<execution>/chunks.jsonl)."""

import os

from aws_lambda_powertools import Logger, Tracer

from customlabels import aws_clients
from customlabels.batch.prepare import prepare_batch
from customlabels.batch.settings import BatchSettings
from customlabels.training.registry import Registry

logger, tracer = Logger(), Tracer()
ENV = BatchSettings.from_environment(os.environ)
REKOGNITION = aws_clients.client("rekognition")
S3 = aws_clients.client("s3")
REGISTRY = Registry(ENV.registry_table_name, aws_clients.dynamodb_resource())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> dict:
    return prepare_batch(event, ENV, REKOGNITION, REGISTRY, S3)
