"""Function URL (AuthType AWS_IAM) of `customlabels approve|reject`: the verified caller decides a
waiting run. Neither the event nor the token is logged."""

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.promotion.decision import Decider
from customlabels.promotion.settings import DecideApprovalSettings

logger = Logger()
tracer = Tracer()
DECIDER = Decider.from_settings(DecideApprovalSettings.from_environment(os.environ))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = DECIDER.handle(event)
    logger.info("approval decision", extra={"httpStatus": answer.status, "answer": answer.body})
    return answer.response()
