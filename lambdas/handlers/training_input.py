"""Task ValidateInput: check the execution input and fill in the stack's defaults."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.pipeline_input import check_training_input

ENV = PipelineEnv.from_environ()


def handler(event: dict, context: object) -> dict:
    verdict = check_training_input(
        event.get("input"),
        execution_name=event["executionName"],
        defaults=ENV.defaults,
        bucket=ENV.console_bucket,
        managed_project=ENV.project_name,
    )
    return verdict.as_output()
