"""The model-control state machine's definition: start, stop or promote one model version.

Input (checked by ValidateInput): {"action": "start"|"stop"|"promote", "projectName", "versionName",
"minInferenceUnits", "maxInferenceUnits"}. ``promote`` of an older version is the rollback.
"""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.training.contract import STOP_MODEL_KEYS, Failure
from infra.config import Config
from infra.training.flow import STOPPED_POLL, Flow, deploy_model, model_poll, poll_timeout_message
from infra.training.functions import Handlers

# The execution's output (JSONata, step-functions-jsonata.html): what was done to which version and its
# status; a promotion adds the champion and the one it replaced.
SUMMARY = (
    "{% $model := $states.input.model; $status := $states.input.deployment.status; $merge(["
    '{"action": $model.action, "projectName": $model.projectName, "versionName": $model.versionName, '
    '"versionArn": $model.versionArn, "status": $status, '
    "\"message\": $model.action & ' ' & $model.versionName & ': the model is ' & $status}, "
    "$model.action = 'promote' ? "
    '{"champion": $states.input.promotion.champion, "previousChampion": $states.input.promotion.previous} '
    ": {}]) %}"
)


def control_definition(scope: Construct, *, config: Config, handlers: Handlers) -> sfn.IChainable:
    h = handlers
    flow = Flow(scope)

    describe_model = sfn.Pass(scope, "DescribeModel", input_path="$.run.settings", result_path="$.model")
    validate = flow.input_check(
        h.validate_control_input, {"input": sfn.JsonPath.object_at("$")}, describe_model
    )
    action = sfn.Choice(scope, "Action?")

    done = sfn.Succeed.jsonata(scope, "Succeeded", outputs=SUMMARY)
    timeout_message = poll_timeout_message(config)

    def promote_if_asked(promote: sfn.State) -> sfn.IChainable:
        return (
            sfn.Choice(scope, "PromoteAfterStart?")
            .when(sfn.Condition.string_equals("$.model.action", "promote"), promote)
            .otherwise(done)
        )

    start = deploy_model(
        flow,
        h,
        seconds=config.modelPollSeconds,
        attempts=config.model_poll_attempts,
        timeout_message=timeout_message,
        stop_on_timeout=False,
        promoted=done,
        when_running=promote_if_asked,
    )

    stop = flow.invoke(
        "StopModel",
        h.stop_model,
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
        done=done,
        on_timeout=flow.failed(),
    )
    already_stopped = sfn.Choice(scope, "StopNeeded?")

    describe_model.next(action)
    action.when(sfn.Condition.string_equals("$.model.action", "stop"), stop).otherwise(start)
    stop.next(already_stopped)
    already_stopped.when(sfn.Condition.string_equals("$.deployment.status", "STOPPING"), wait_stop).otherwise(
        done
    )
    return validate
