"""EventBridge (an execution of a pipeline state machine ended) -> one readable message on the topic."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.aws_clients import client
from customlabels.operations.execution_end import notice, published
from customlabels.operations.settings import ExecutionEndSettings

logger = Logger()
tracer = Tracer()
SETTINGS = ExecutionEndSettings.from_environment(os.environ)
SNS = client("sns")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    told = notice(event["detail"], SETTINGS.kinds, SETTINGS.project_name)
    message_id = published(SNS, SETTINGS.topic_arn, told)
    logger.info("execution end published", extra={"subject": told.subject, "messageId": message_id})
    return {"messageId": message_id, "subject": told.subject}
