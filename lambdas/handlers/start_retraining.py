"""S3 event of a feedback import record -> start the training pipeline when enough images were corrected."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.feedback.retrain import RetrainSettings, maybe_retrain
from customlabels.training.registry import Registry

logger = Logger()
tracer = Tracer()
ENV = RetrainSettings.from_environment(os.environ)
REGISTRY = Registry(ENV.registry_table_name)
S3 = boto3.client("s3")
SFN = boto3.client("stepfunctions")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    keys = [record["s3"]["object"]["key"] for record in event.get("Records", [])]
    decision = maybe_retrain(ENV, REGISTRY, S3, SFN)
    logger.info("feedback import", extra={"keys": keys, **decision.as_dict()})
    return decision.as_dict()
