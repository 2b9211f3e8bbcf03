"""Task SplitDatasets: no test manifest, so 20 % of the TRAIN entries move to the empty TEST dataset."""

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
    return steps.split_datasets(event, SERVICES).to_state()
