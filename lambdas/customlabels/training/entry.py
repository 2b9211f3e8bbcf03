"""The Lambda entry point of a training or model-control step: Powertools Logger and Tracer around it,
its services built once at cold start, its typed output turned into the state's keys."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from customlabels.training.services import Services


def step_handler(step: Callable[[dict, Services], Any]) -> Callable[[dict, LambdaContext], dict]:
    logger, tracer = Logger(), Tracer()
    services = Services.from_environ(os.environ)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    def handler(event: dict, context: LambdaContext) -> dict:
        return step(event, services).to_state()

    return handler
