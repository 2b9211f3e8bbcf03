"""The model-control state machine's definition: start, stop or promote one model version.

Input (checked by ValidateInput): {"action": "start"|"stop"|"promote", "projectName", "versionName",
"minInferenceUnits", "maxInferenceUnits"}. ``promote`` of an older version is the rollback.
"""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.training.contract import STOP_MODEL_KEYS, Failure
from infra.config import Config
from infra.training.flow import STOPPED_POLL, Flow, deploy_model, model_poll
from infra.training.functions import Handlers


def control_definition(scope: Construct, *, config: Config, handlers: Handlers) -> sfn.IChainable:
    h = handlers
    flow = Flow(scope)

    begin = sfn.Pass(scope, "Begin", parameters={"input": sfn.JsonPath.object_at("$")})
    describe_model = sfn.Pass(scope, "DescribeModel", input_path="$.run.settings", result_path="$.model")
    validate = flow.input_check(
        h.model_control_input, {"input": sfn.JsonPath.object_at("$.input")}, describe_model
    )
    action = sfn.Choice(scope, "Action?")

    def summary(name: str, **extra: object) -> sfn.Pass:
        return sfn.Pass(
            scope,
            name,
            parameters={
                "action": sfn.JsonPath.string_at("$.model.action"),
                "projectName": sfn.JsonPath.string_at("$.model.projectName"),
                "versionName": sfn.JsonPath.string_at("$.model.versionName"),
                "versionArn": sfn.JsonPath.string_at("$.model.versionArn"),
                "status": sfn.JsonPath.string_at("$.deployment.status"),
                "message": sfn.JsonPath.format(
                    "{} {}: the model is {}",
                    sfn.JsonPath.string_at("$.model.action"),
                    sfn.JsonPath.string_at("$.model.versionName"),
                    sfn.JsonPath.string_at("$.deployment.status"),
                ),
                **extra,
            },
            result_path="$.summary",
        )

    done = flow.succeed()
    started_summary = summary("SummarizeStarted").next(done)
    promoted_summary = summary(
        "SummarizePromoted",
        champion=sfn.JsonPath.object_at("$.promotion.champion"),
        previousChampion=sfn.JsonPath.string_at("$.promotion.previous"),
    ).next(done)
    stopped_summary = summary("SummarizeStopped").next(done)
    timeout_message = (
        "The model {} was still {} after {} polls "
        f"({config.model_poll_attempts} polls of {config.modelPollSeconds} s)"
    )

    def promote_if_asked(promote: sfn.State) -> sfn.IChainable:
        return (
            sfn.Choice(scope, "PromoteAfterStart?")
            .when(sfn.Condition.string_equals("$.model.action", "promote"), promote)
            .otherwise(started_summary)
        )

    start = deploy_model(
        flow,
        h,
        seconds=config.modelPollSeconds,
        attempts=config.model_poll_attempts,
        timeout_message=timeout_message,
        stop_on_timeout=False,
        promoted=promoted_summary,
        when_running=promote_if_asked,
    )

    stop = flow.invoke(
        "StopModel",
        h.model_control_stop,
        {"model": sfn.JsonPath.object_at("$.model")},
        "$.deployment",
        STOP_MODEL_KEYS,
        Failure.StopFailed,
    )
    wait_stop = model_poll(
        flow,
        h,
        STOPPED_POLL,
        seconds=config.modelPollSeconds,
        attempts=config.model_poll_attempts,
        timeout_message=timeout_message,
        done=stopped_summary,
        on_timeout=flow.failed(),
    )
    already_stopped = sfn.Choice(scope, "StopNeeded?")

    begin.next(validate)
    describe_model.next(action)
    action.when(sfn.Condition.string_equals("$.model.action", "stop"), stop).otherwise(start)
    stop.next(already_stopped)
    already_stopped.when(sfn.Condition.string_equals("$.deployment.status", "STOPPING"), wait_stop).otherwise(
        stopped_summary
    )
    return begin
