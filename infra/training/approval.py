"""The approval gate of the training state machine: after the F1 gate, with requireApproval, the run waits
(.waitForTaskToken, bounded by approvalTimeoutHours) for `customlabels approve|reject`.

  RequestApproval  keeps the task token where only the approval function reads it, publishes the review
  -> what the approval function sent lands in $.approval -> ApprovalChecked?: an APPROVED decision by a
     verified caller (an ARN) goes on to `approved` (default `then`); anything else ends in Rejected
  -> Rejected (SendTaskFailure error "Rejected"): the Catch names the failure Rejected -> the failure tail
  -> States.Timeout -> ExplainApprovalTimeout (ApprovalTimedOut) -> the failure tail
"""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from customlabels.training.contract import Failure
from infra.functions import PipelineFunction
from infra.training.flow import RETRY_ATTEMPTS, RETRY_BACKOFF, RETRY_INTERVAL, TRANSIENT_ERRORS, Flow

REJECTED_ERROR = Failure.Rejected.value  # the `error` customlabels reject sends with SendTaskFailure
TIMEOUT_SECONDS_PATH = "$.run.settings.approvalTimeoutSeconds"


def approval_gate(
    flow: Flow,
    function: PipelineFunction,
    topic: sns.ITopic,
    then: sfn.IChainable,
    approved: sfn.IChainable | None = None,
) -> sfn.Choice:
    """ApprovalRequired? -> (RequestApproval -> `approved` or `then`) or straight to `then`."""
    scope = flow.scope
    request = tasks.LambdaInvoke(
        scope,
        "RequestApproval",
        lambda_function=function.function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object(
            {
                "taskToken": sfn.JsonPath.task_token,
                "settings": sfn.JsonPath.object_at("$.run.settings"),
                "evaluation": sfn.JsonPath.object_at("$.evaluation"),
                "executionArn": sfn.JsonPath.string_at("$$.Execution.Id"),
                "topicArn": topic.topic_arn,
            }
        ),
        result_path="$.approval",
        task_timeout=sfn.Timeout.at(TIMEOUT_SECONDS_PATH),
        retry_on_service_exceptions=False,
    )
    request.add_retry(
        errors=TRANSIENT_ERRORS,
        interval=RETRY_INTERVAL,
        max_attempts=RETRY_ATTEMPTS,
        backoff_rate=RETRY_BACKOFF,
        jitter_strategy=sfn.JitterType.FULL,
    )
    timed_out = sfn.Pass(
        scope,
        "ExplainApprovalTimeout",
        assign=flow.failing(
            Failure.ApprovalTimedOut,
            flow.timed_out(
                "Nobody approved or rejected {} within {} seconds (approvalTimeoutHours): it stays trained "
                "and is not started or promoted",
                "$.run.settings.versionName",
                TIMEOUT_SECONDS_PATH,
            ),
        ),
    ).next(flow.failed())
    # a Catch's Assign reads the error output: the reviewer's reason is its Cause
    request.add_catch(
        flow.failed(),
        errors=[REJECTED_ERROR],
        result_path="$.error",
        assign=flow.failing(Failure.Rejected, sfn.JsonPath.string_at("$.Cause")),
    )
    request.add_catch(timed_out, errors=["States.Timeout"], result_path="$.error")
    flow.catch(request, "RequestApproval", Failure.Rejected)
    request.next(_checked(flow, approved or then))
    required = sfn.Choice(scope, "ApprovalRequired?")
    required.when(sfn.Condition.boolean_equals("$.run.settings.requireApproval", True), request).otherwise(
        then
    )
    return required


def _checked(flow: Flow, approved: sfn.IChainable) -> sfn.Choice:
    """The state machine checks the answer itself: only what the approval function sends (status APPROVED,
    `by` the caller's verified ARN) lets the run go on."""
    scope = flow.scope
    check = sfn.Choice(scope, "ApprovalChecked?")
    verified = sfn.Condition.and_(
        sfn.Condition.string_equals("$.approval.status", "APPROVED"),
        sfn.Condition.is_present("$.approval.by"),
        sfn.Condition.string_matches("$.approval.by", "arn:aws*:*"),
    )
    unverified = (
        "The answer to RequestApproval is not an approval by a verified caller (status APPROVED, by an "
        "ARN): the model is not started or promoted"
    )
    return flow.fail_when(check, sfn.Condition.not_(verified), Failure.Rejected, unverified).otherwise(
        approved
    )
