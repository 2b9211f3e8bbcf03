"""EventBridge (an execution of a pipeline state machine ended) -> one readable message on the topic."""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.aws_clients import client
from customlabels.environment import required
from customlabels.operations.execution_end import notice, published

logger = Logger()
tracer = Tracer()
TOPIC_ARN = required(os.environ, "TOPIC_ARN")
PROJECT_NAME = required(os.environ, "PROJECT_NAME")
STATE_MACHINES = json.loads(required(os.environ, "STATE_MACHINES"))  # {state machine ARN: kind}
SNS = client("sns")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    told = notice(event["detail"], STATE_MACHINES, PROJECT_NAME)
    message_id = published(SNS, TOPIC_ARN, told)
    logger.info("execution end published", extra={"subject": told.subject, "messageId": message_id})
    return {"messageId": message_id, "subject": told.subject}
