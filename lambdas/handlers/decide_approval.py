"""Function URL (AuthType AWS_IAM) of `customlabels approve|reject`: the verified caller decides a
waiting run. Neither the event nor the token is logged."""

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.aws_clients import client, dynamodb_resource
from customlabels.environment import required
from customlabels.promotion.approval_tokens import APPROVAL_TOKENS_TABLE, ApprovalTokens
from customlabels.promotion.decision import Decider
from customlabels.training.contract import PROJECT_NAME, REGISTRY_TABLE_NAME
from customlabels.training.registry import Registry

logger = Logger()
tracer = Tracer()
_resource = dynamodb_resource()
DECIDER = Decider(
    required(os.environ, PROJECT_NAME),
    Registry(required(os.environ, REGISTRY_TABLE_NAME), _resource),
    ApprovalTokens(required(os.environ, APPROVAL_TOKENS_TABLE), _resource),
    client("stepfunctions"),
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = DECIDER.handle(event)
    logger.info("approval decision", extra={"httpStatus": answer.status, "answer": answer.body})
    return answer.response()
