"""The promotion state machine (production account): copy an approved training version, start it, make it
the production champion and stop the previous one; or roll back to the previous champion.

State (each step writes only its own key):
  $.input      the execution input as given
  $.run        ValidateInput: {valid, problems, cause, settings}
  $.project    EnsureProject: the production project
  $.copy       CopyModel/CheckCopy: {versionArn, versionName, status, reused, attempt, outcome, failure}
  $.model      the version to start; $.deployment StartModel/CheckModel; $.promotion Promote
  failure, why  workflow variables of a failure path: the Fail state's error and cause
"""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.promotion.contract import COPY_KEYS, Action, PromotionFailure
from customlabels.training.contract import ENSURE_PROJECT_KEYS, PollOutcome
from infra.config import Config
from infra.promotion.functions import PromotionHandlers
from infra.training.flow import Flow, deploy_model

COPY_TIMEOUT_MINUTES = 120


SETTINGS = sfn.JsonPath.object_at("$.run.settings")
PROJECT_ARN = sfn.JsonPath.string_at("$.project.projectArn")


def promotion_definition(
    scope: Construct,
    *,
    config: Config,
    handlers: PromotionHandlers,
    source_project_prefix: str,
) -> sfn.IChainable:
    """Begin -> ValidateInput -> Rollback? -> (DescribeRollback) or (EnsureProject -> CopyModel and poll ->
    DescribeCopy) -> start, poll, promote, stop the previous champion -> SummarizePromotion -> Succeeded."""
    h = handlers
    flow = Flow(scope)
    summarize = _summary(flow)
    start = deploy_model(
        flow,
        h,
        seconds=config.modelPollSeconds,
        attempts=config.model_poll_attempts,
        timeout_message=(
            "The production model {} was still {} after {} polls (modelStartTimeoutMinutes "
            f"{config.modelStartTimeoutMinutes}); it is being stopped and the champion is unchanged"
        ),
        stop_on_timeout=True,
        promoted=summarize,
    )
    describe_copy = _model(scope, "DescribeCopy", "$.project", "$.copy").next(start)
    describe_rollback = _model(scope, "DescribeRollback", "$.run.settings", "$.run.settings").next(start)
    action = sfn.Choice(scope, "Rollback?")
    action.when(
        sfn.Condition.string_equals("$.run.settings.action", Action.ROLLBACK.value), describe_rollback
    ).otherwise(_copy(flow, config, h, then=describe_copy))
    begin = sfn.Pass(scope, "Begin", parameters={"input": sfn.JsonPath.object_at("$")})
    payload = {"input": sfn.JsonPath.object_at("$.input"), "sourceProjectPrefix": source_project_prefix}
    begin.next(flow.input_check(h.validate_promotion_input, payload, action))
    return begin


def _copy(flow: Flow, config: Config, h: PromotionHandlers, *, then: sfn.IChainable) -> sfn.TaskStateBase:
    """EnsureProject -> CopyModel -> CopyDone? (poll: WaitForCopy -> CheckCopy): NotGated, CopyFailed, out
    of polls, or `then`."""
    ensure_project = flow.invoke(
        "EnsureProject",
        h.ensure_project,
        {"settings": SETTINGS},
        "$.project",
        ENSURE_PROJECT_KEYS,
        PromotionFailure.CopyFailed,
    )
    copy = flow.invoke(
        "CopyModel",
        h.copy_model,
        {
            "settings": SETTINGS,
            "projectArn": PROJECT_ARN,
            "executionArn": sfn.JsonPath.string_at("$$.Execution.Id"),
        },
        "$.copy",
        COPY_KEYS,
        PromotionFailure.CopyFailed,
    )
    wait_copy = flow.wait("WaitForCopy", config.modelPollSeconds)
    check_copy = flow.invoke(
        "CheckCopy",
        h.check_copy,
        {
            "copy": sfn.JsonPath.object_at("$.copy"),
            "projectArn": PROJECT_ARN,
            "projectName": sfn.JsonPath.string_at("$.run.settings.projectName"),
        },
        "$.copy",
        COPY_KEYS,
        PromotionFailure.CopyFailed,
    )
    copy_done = sfn.Choice(flow.scope, "CopyDone?")
    ensure_project.next(copy).next(copy_done)
    copy_failed = sfn.Condition.string_equals("$.copy.outcome", PollOutcome.FAILED.value)
    not_gated = sfn.Condition.string_equals("$.copy.failure.error", PromotionFailure.NotGated.value)
    copy_done.when(sfn.Condition.string_equals("$.copy.outcome", PollOutcome.DONE.value), then)
    flow.fail_when(
        copy_done,
        sfn.Condition.and_(copy_failed, not_gated),
        PromotionFailure.NotGated,
        sfn.JsonPath.string_at("$.copy.failure.cause"),
    )
    flow.fail_when(
        copy_done, copy_failed, PromotionFailure.CopyFailed, sfn.JsonPath.string_at("$.copy.failure.cause")
    )
    flow.fail_when(
        copy_done,
        sfn.Condition.number_greater_than_equals(
            "$.copy.attempt", -(-COPY_TIMEOUT_MINUTES * 60 // config.modelPollSeconds)
        ),
        PromotionFailure.CopyFailed,
        flow.timed_out(
            f"The copy {{}} was still {{}} after {{}} polls ({COPY_TIMEOUT_MINUTES} minutes)",
            "$.copy.versionName",
            "$.copy.status",
            "$.copy.attempt",
        ),
    ).otherwise(wait_copy)
    wait_copy.next(check_copy).next(copy_done)
    return ensure_project


def _model(scope: Construct, name: str, arns: str, version: str) -> sfn.Pass:
    """The version to start at $.model: the copy (DescribeCopy) or the rollback's (DescribeRollback)."""
    return sfn.Pass(
        scope,
        name,
        parameters={
            "projectName": sfn.JsonPath.string_at("$.run.settings.projectName"),
            "projectArn": sfn.JsonPath.string_at(f"{arns}.projectArn"),
            "versionName": sfn.JsonPath.string_at(f"{version}.versionName"),
            "versionArn": sfn.JsonPath.string_at(f"{version}.versionArn"),
            "minInferenceUnits": sfn.JsonPath.number_at("$.run.settings.minInferenceUnits"),
            "maxInferenceUnits": sfn.JsonPath.number_at("$.run.settings.maxInferenceUnits"),
        },
        result_path="$.model",
    )


def _summary(flow: Flow) -> sfn.IChainable:
    return sfn.Pass(
        flow.scope,
        "SummarizePromotion",
        parameters={
            "outcome": "PROMOTED",
            "action": sfn.JsonPath.string_at("$.run.settings.action"),
            "projectName": sfn.JsonPath.string_at("$.model.projectName"),
            "versionName": sfn.JsonPath.string_at("$.model.versionName"),
            "versionArn": sfn.JsonPath.string_at("$.model.versionArn"),
            "champion": sfn.JsonPath.object_at("$.promotion.champion"),
            "previousChampion": sfn.JsonPath.string_at("$.promotion.previous"),
            "message": sfn.JsonPath.format(
                "{} is RUNNING and is the production champion of {} ({})",
                sfn.JsonPath.string_at("$.model.versionName"),
                sfn.JsonPath.string_at("$.model.projectName"),
                sfn.JsonPath.string_at("$.run.settings.action"),
            ),
        },
        result_path="$.summary",
    ).next(flow.succeed())
