"""The batch machine's definition:

  PrepareBatch -> InputValid? -> DescribeModel -> StartNeeded? -> (StartModel, or AlreadyStarting) and poll
  until RUNNING -> SourceKind? -> AnalysePrefix | AnalyseManifest -> SummariseBatch, or AnalyseVideo ->
  MergeVideo -> StopWhenDone? -> (StopModel and poll until STOPPED) -> Succeeded

A Map that fails stops the model this run started (stopWhenDone) and ends in BatchFailed.
"""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.batch.contract import PREPARE_KEYS, SUMMARY_KEYS, VIDEO_KEYS, BatchFailure
from customlabels.training.contract import START_MODEL_KEYS, STOP_MODEL_KEYS, Failure
from infra.batch.functions import BatchFunctions
from infra.batch.map_state import manifest_map, prefix_map, video_map
from infra.config import Config
from infra.training.flow import RUNNING_POLL, STOPPED_POLL, Flow, model_poll, poll_timeout_message
from infra.training.functions import Handlers

MODEL = {"model": sfn.JsonPath.object_at("$.model")}
# this run started the model and the input asks to stop it when done
STOP_STARTED = sfn.Condition.and_(
    sfn.Condition.boolean_equals("$.run.startNeeded", True),
    sfn.Condition.boolean_equals("$.run.settings.stopWhenDone", True),
)


def batch_definition(
    scope: Construct, config: Config, functions: BatchFunctions, h: Handlers
) -> sfn.IChainable:
    flow = Flow(scope)
    prepare = flow.invoke(
        "PrepareBatch",
        functions.prepare,
        {
            "input": sfn.JsonPath.object_at("$"),
            "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
        },
        "$.run",
        PREPARE_KEYS,
        Failure.InvalidInput,
    )
    describe_model = sfn.Pass(scope, "DescribeModel", input_path="$.run.model", result_path="$.model")
    stop_when_done = _stop_when_done(flow, config, h)
    source_kind = _source_kind(flow, config, functions, h, stop_when_done)
    prepare.next(flow.input_valid(describe_model))
    describe_model.next(_model_ready(flow, config, h, source_kind))
    return prepare


def _model_ready(flow: Flow, config: Config, h: Handlers, then: sfn.IChainable) -> sfn.Choice:
    """StartNeeded?: start the model (or wait for the start under way) and poll until RUNNING; a start that
    times out is stopped so it does not bill."""
    scope = flow.scope
    start = flow.invoke(
        "StartModel", h.start_model, MODEL, "$.deployment", START_MODEL_KEYS, Failure.StartFailed
    )
    stop_unstarted = flow.invoke(
        "StopUnstartedModel", h.stop_model, MODEL, "$.stopped", ("status",), Failure.StartFailed
    ).next(flow.failed())
    wait_running = model_poll(
        flow,
        h,
        RUNNING_POLL,
        seconds=config.modelPollSeconds,
        attempts=config.model_poll_attempts,
        timeout_message=poll_timeout_message(config),
        done=then,
        on_timeout=stop_unstarted,
    )
    already_starting = sfn.Pass(
        scope,
        "AlreadyStarting",
        parameters={"status": "STARTING", "attempt": 0},
        result_path="$.deployment",
    )
    start.next(wait_running)
    already_starting.next(wait_running)
    return (
        sfn.Choice(scope, "StartNeeded?")
        .when(sfn.Condition.boolean_equals("$.run.startNeeded", True), start)
        .when(sfn.Condition.string_equals("$.run.status", "STARTING"), already_starting)
        .otherwise(then)
    )


def _source_kind(
    flow: Flow, config: Config, functions: BatchFunctions, h: Handlers, then: sfn.IChainable
) -> sfn.Choice:
    """SourceKind?: the Map for a manifest, a video or a prefix, then its summary, then `then`."""
    scope = flow.scope
    results = {
        "model": sfn.JsonPath.object_at("$.model"),
        "startedAt": sfn.JsonPath.string_at("$$.Execution.StartTime"),
        "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
    }
    settings = sfn.JsonPath.object_at("$.run.settings")
    summarise = flow.invoke(
        "SummariseBatch",
        functions.summary,
        {"map": sfn.JsonPath.object_at("$.map"), "settings": settings, **results},
        "$.summary",
        SUMMARY_KEYS,
        BatchFailure.BatchFailed,
    )
    merge = flow.invoke(
        "MergeVideo",
        functions.video_merge,
        {"settings": settings, **results},
        "$.summary",
        VIDEO_KEYS,
        BatchFailure.BatchFailed,
    )
    summarise.next(then)
    merge.next(then)
    prefix, manifest, video = (
        build(scope, config, functions) for build in (prefix_map, manifest_map, video_map)
    )
    map_failed = _map_failed(flow, h)
    for map_state, end in ((prefix, summarise), (manifest, summarise), (video, merge)):
        map_state.add_catch(map_failed, errors=["States.ALL"], result_path="$.mapError")
        map_state.next(end)
    return (
        sfn.Choice(scope, "SourceKind?")
        .when(sfn.Condition.string_equals("$.run.settings.kind", "manifest"), manifest)
        .when(sfn.Condition.string_equals("$.run.settings.kind", "video"), video)
        .otherwise(prefix)
    )


def _map_failed(flow: Flow, h: Handlers) -> sfn.Pass:
    """ExplainMapFailure -> StopAfterFailure? -> (StopModelAfterFailure) -> the failure tail."""
    scope = flow.scope
    explain = sfn.Pass(
        scope,
        "ExplainMapFailure",
        assign=flow.failing(
            BatchFailure.BatchFailed,
            sfn.JsonPath.format(
                "The Distributed Map failed ({}): {}",
                sfn.JsonPath.string_at("$.mapError.Error"),
                sfn.JsonPath.string_at("$.mapError.Cause"),
            ),
        ),
    )
    stop_after_failure = flow.invoke(
        "StopModelAfterFailure",
        h.stop_model,
        MODEL,
        "$.stopping",
        STOP_MODEL_KEYS,
        BatchFailure.BatchFailed,
    )
    explain.next(
        sfn.Choice(scope, "StopAfterFailure?")
        .when(STOP_STARTED, stop_after_failure.next(flow.failed()))
        .otherwise(flow.failed())
    )
    return explain


def _stop_when_done(flow: Flow, config: Config, h: Handlers) -> sfn.Choice:
    """StopWhenDone?: stop the model this run started and poll until STOPPED, then Succeeded."""
    done = flow.succeed()
    stop = flow.invoke(  # its answer starts the stop poll (attempt 0)
        "StopModel", h.stop_model, MODEL, "$.deployment", STOP_MODEL_KEYS, Failure.StopFailed
    )
    stop.next(
        model_poll(
            flow,
            h,
            STOPPED_POLL,
            seconds=config.modelPollSeconds,
            attempts=config.model_poll_attempts,
            timeout_message=poll_timeout_message(config),
            done=done,
            on_timeout=flow.failed(),
        )
    )
    return sfn.Choice(flow.scope, "StopWhenDone?").when(STOP_STARTED, stop).otherwise(done)
