"""Task ValidateInput: check the execution input and fill in the stack's defaults."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.training import steps
from customlabels.training.services import Services

logger = Logger()
tracer = Tracer()
SERVICES = Services.from_environ(os.environ)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return steps.validate_training_input(event, SERVICES).to_state()
