"""Batch analysis: a prefix or a manifest analysed by a Step Functions Distributed Map.

PrepareBatch (input, model version, status) -> start the model when needed and poll until RUNNING
(the model-control Lambdas) -> a Distributed Map (ItemReader: S3 ListObjectsV2 of the prefix or the
manifest's JSON Lines; ItemBatcher; MaxConcurrency by the sizing rule; ToleratedFailurePercentage;
ResultWriter under batches/<execution>/) whose children run AnalyseBatch -> SummariseBatch -> stop the
model if this run started it and stopWhenDone.

A video source (a long upload, handed over by the detect function) takes its own Map: PrepareBatch
writes the video's frame chunks as JSON Lines, the children (AnalyseVideoChunk) each analyse one
chunk, no failed chunk is tolerated, and MergeVideo writes the video's one result.

The Map is written as ASL (a CustomState): CDK's DistributedMap readers take a fixed prefix, and the
prefix here comes from the execution input.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.batch.contract import PREPARE_KEYS, SUMMARY_KEYS, VIDEO_KEYS, BatchFailure
from customlabels.training.contract import START_MODEL_KEYS, STOP_MODEL_KEYS, Failure
from infra.config import Config, optional_setting
from infra.functions import PipelineFunction
from infra.grants import On
from infra.nag import acknowledge, nag_text
from infra.role_policies import apply_grants, base_targets
from infra.state_machine import PipelineStateMachine
from infra.storage import Storage
from infra.training.flow import RUNNING_POLL, STOPPED_POLL, TRANSIENT_ERRORS, Flow, model_poll
from infra.training.functions import Handlers
from infra.video_sizing import video_frames_per_run

ANALYSE_TIMEOUT_SECONDS = 300
SUMMARY_TIMEOUT_SECONDS = 900
CHUNK_TIMEOUT_SECONDS = 300
CHUNK_MEMORY_MB = 1769  # one full vCPU: decoding is CPU work
MERGE_TIMEOUT_SECONDS = 120
# The children's Lambda task: Lambda-level and throttling errors are retried with back-off and full
# jitter (the function retries each image's throttling itself first).
CHILD_RETRY = {
    "ErrorEquals": TRANSIENT_ERRORS,
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 1.5,
    "MaxDelaySeconds": 60,
    "JitterStrategy": "FULL",
}


def batch_machine_name(scope: Construct) -> str:
    """Named, not generated: its own role and the detect function's can name it without a reference."""
    return f"{Stack.of(scope).stack_name}-BatchAnalysis"


def batch_machine_arn(scope: Construct) -> str:
    name = batch_machine_name(scope)
    return f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:stateMachine:{name}"


class BatchAnalysis(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        log_group: logs.ILogGroup,
        registry: dynamodb.ITable,
        results_table: dynamodb.ITable,
        model_control: Handlers,
        video_layer: lambda_.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        self.storage = storage
        environment = {
            "PROJECT_NAME": config.projectName,
            "REGISTRY_TABLE_NAME": registry.table_name,
            "RESULTS_TABLE_NAME": results_table.table_name,
            "INFERENCE_BUCKET_NAME": storage.inference_bucket.bucket_name,
            "CONSOLE_BUCKET_NAME": storage.console_bucket.bucket_name,
            "MIN_CONFIDENCE": optional_setting(config.minConfidence),
            "MIN_INFERENCE_UNITS": str(config.minInferenceUnits),
            "MAX_INFERENCE_UNITS": str(config.maxInferenceUnits),
            "DETECT_CONCURRENCY": str(config.detectConcurrency),
            "VIDEO_FRAMES_PER_SECOND": str(config.videoFramesPerSecond),
            "VIDEO_FRAMES_PER_CHUNK": str(
                video_frames_per_run(config, CHUNK_TIMEOUT_SECONDS, CHUNK_MEMORY_MB)
            ),
            "REVIEW_BELOW_CONFIDENCE": optional_setting(config.reviewBelowConfidence),
        }
        targets = {
            **base_targets(storage, config.projectName),
            On.REGISTRY: registry.table_arn,
            On.RESULTS_TABLE: results_table.table_arn,
        }

        def function(
            construct_id: str, module: str, timeout: int, memory: int = 512, *, video: bool = False
        ) -> PipelineFunction:
            made = PipelineFunction(
                self,
                construct_id,
                module=module,
                key=storage.key,
                removal_policy=storage.removal,
                environment=environment,
                timeout_seconds=timeout,
                memory_size=memory,
                layers=[video_layer] if video else None,
            )
            apply_grants(made, targets, config)
            return made

        self.prepare = function("PrepareBatchFunction", "batch_prepare", 60, video=True)
        self.analyse = function("AnalyseBatchFunction", "batch_analyse", ANALYSE_TIMEOUT_SECONDS, 1024)
        self.summary = function("SummariseBatchFunction", "batch_summary", SUMMARY_TIMEOUT_SECONDS, 1024)
        self.video_chunk = function(
            "AnalyseVideoChunkFunction",
            "batch_video_chunk",
            CHUNK_TIMEOUT_SECONDS,
            CHUNK_MEMORY_MB,
            video=True,
        )
        self.video_merge = function("MergeVideoFunction", "batch_video_merge", MERGE_TIMEOUT_SECONDS)
        self.name = batch_machine_name(self)
        definition = self._definition(Construct(self, "Flow"), config, model_control)
        self.state_machine = PipelineStateMachine(
            self,
            "StateMachine",
            definition=definition,
            log_group=log_group,
            name=self.name,
            invoked=[
                self.prepare,
                self.analyse,
                self.summary,
                self.video_chunk,
                self.video_merge,
                model_control.model_control_start,
                model_control.model_control_status,
                model_control.model_control_stop,
            ],
        )
        self._grant_machine(storage)

    def _definition(self, scope: Construct, config: Config, h: Handlers) -> sfn.IChainable:
        flow = Flow(scope)
        begin = sfn.Pass(scope, "Begin", parameters={"input": sfn.JsonPath.object_at("$")})
        prepare = flow.invoke(
            "PrepareBatch",
            self.prepare,
            {
                "input": sfn.JsonPath.object_at("$.input"),
                "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
            },
            "$.run",
            PREPARE_KEYS,
            Failure.InvalidInput,
        )
        describe_model = sfn.Pass(scope, "DescribeModel", input_path="$.run.model", result_path="$.model")
        model_ready = sfn.Choice(scope, "StartNeeded?")
        source_kind = sfn.Choice(scope, "SourceKind?")
        timeout_message = (
            "The model {} was still {} after {} polls "
            f"({config.model_poll_attempts} polls of {config.modelPollSeconds} s)"
        )
        model = {"model": sfn.JsonPath.object_at("$.model")}
        start = flow.invoke(
            "StartModel", h.model_control_start, model, "$.deployment", START_MODEL_KEYS, Failure.StartFailed
        )

        stop_unstarted = flow.invoke(
            "StopUnstartedModel", h.model_control_stop, model, "$.stopped", ("status",), Failure.StartFailed
        ).next(flow.failed())

        wait_running = model_poll(
            flow,
            h,
            RUNNING_POLL,
            seconds=config.modelPollSeconds,
            attempts=config.model_poll_attempts,
            timeout_message=timeout_message,
            done=source_kind,
            on_timeout=stop_unstarted,
        )
        already_starting = sfn.Pass(
            scope,
            "AlreadyStarting",
            parameters={"status": "STARTING", "attempt": 0},
            result_path="$.deployment",
        )

        def analyse(name: str, reader: dict[str, Any]) -> sfn.CustomState:
            return sfn.CustomState(
                scope, name, state_json=self._map_state(config, f"{name}Batch", self.analyse, reader)
            )

        prefix_map = analyse(
            "AnalysePrefix",
            {
                "Resource": "arn:aws:states:::s3:listObjectsV2",
                "Parameters": {"Bucket.$": "$.run.settings.bucket", "Prefix.$": "$.run.settings.prefix"},
            },
        )
        manifest_map = analyse(
            "AnalyseManifest",
            {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSONL"},
                "Parameters": {"Bucket.$": "$.run.settings.bucket", "Key.$": "$.run.settings.key"},
            },
        )
        summarise = flow.invoke(
            "SummariseBatch",
            self.summary,
            {
                "map": sfn.JsonPath.object_at("$.map"),
                "settings": sfn.JsonPath.object_at("$.run.settings"),
                "model": sfn.JsonPath.object_at("$.model"),
                "startedAt": sfn.JsonPath.string_at("$$.Execution.StartTime"),
                "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
            },
            "$.summary",
            SUMMARY_KEYS,
            BatchFailure.BatchFailed,
        )
        video_map = sfn.CustomState(
            scope,
            "AnalyseVideo",
            state_json=self._map_state(
                config,
                "AnalyseVideoChunk",
                self.video_chunk,
                {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSONL"},
                    "Parameters": {
                        "Bucket.$": "$.run.settings.outputBucket",
                        "Key.$": "$.run.settings.video.chunksKey",
                    },
                },
                items_per_child=1,
                batch_input={
                    "video.$": "$.run.settings.video",
                    "outputBucket.$": "$.run.settings.outputBucket",
                    "outputPrefix.$": "$.run.settings.outputPrefix",
                },
                tolerated_percent=0,  # a timeline with a missing stretch is not a result
            ),
        )
        merge = flow.invoke(
            "MergeVideo",
            self.video_merge,
            {
                "settings": sfn.JsonPath.object_at("$.run.settings"),
                "model": sfn.JsonPath.object_at("$.model"),
                "startedAt": sfn.JsonPath.string_at("$$.Execution.StartTime"),
                "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
            },
            "$.summary",
            VIDEO_KEYS,
            BatchFailure.BatchFailed,
        )
        map_failed = sfn.Pass(
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
        for map_state, end in ((prefix_map, summarise), (manifest_map, summarise), (video_map, merge)):
            map_state.add_catch(map_failed, errors=["States.ALL"], result_path="$.mapError")
            map_state.next(end)

        stop_started = sfn.Condition.and_(
            sfn.Condition.boolean_equals("$.run.startNeeded", True),
            sfn.Condition.boolean_equals("$.run.settings.stopWhenDone", True),
        )
        done = flow.succeed()
        stop = flow.invoke(
            "StopModel", h.model_control_stop, model, "$.stopping", STOP_MODEL_KEYS, Failure.StopFailed
        )
        wait_stopped = model_poll(
            flow,
            h,
            STOPPED_POLL,
            seconds=config.modelPollSeconds,
            attempts=config.model_poll_attempts,
            timeout_message=timeout_message,
            done=done,
            on_timeout=flow.failed(),
        )
        stop_when_done = sfn.Choice(scope, "StopWhenDone?").when(stop_started, stop).otherwise(done)
        summarise.next(stop_when_done)
        merge.next(stop_when_done)
        stop.next(sfn.Pass(scope, "PollStop", parameters={"attempt": 0}, result_path="$.deployment")).next(
            wait_stopped
        )
        stop_after_failure = flow.invoke(
            "StopModelAfterFailure",
            h.model_control_stop,
            model,
            "$.stopping",
            STOP_MODEL_KEYS,
            BatchFailure.BatchFailed,
        )
        map_failed.next(
            sfn.Choice(scope, "StopAfterFailure?")
            .when(stop_started, stop_after_failure.next(flow.failed()))
            .otherwise(flow.failed())
        )

        begin.next(prepare).next(flow.input_valid(describe_model))
        describe_model.next(model_ready)
        model_ready.when(sfn.Condition.boolean_equals("$.run.startNeeded", True), start).when(
            sfn.Condition.string_equals("$.run.status", "STARTING"), already_starting
        ).otherwise(source_kind)
        start.next(wait_running)
        already_starting.next(wait_running)
        source_kind.when(sfn.Condition.string_equals("$.run.settings.kind", "manifest"), manifest_map).when(
            sfn.Condition.string_equals("$.run.settings.kind", "video"), video_map
        ).otherwise(prefix_map)
        return begin

    def _map_state(
        self,
        config: Config,
        child_name: str,
        child_function: PipelineFunction,
        reader: dict[str, Any],
        *,
        items_per_child: int | None = None,
        batch_input: dict[str, str] | None = None,
        tolerated_percent: float | None = None,
    ) -> dict[str, Any]:
        """State names are unique across the whole machine, so each Map names its child task."""
        child = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": child_function.function.function_arn, "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Retry": [CHILD_RETRY],
            "End": True,
        }
        return {
            "Type": "Map",
            "ItemReader": reader,
            "ItemBatcher": {
                "MaxItemsPerBatch": items_per_child or config.batchImagesPerChild,
                "BatchInput": {
                    "bucket.$": "$.run.settings.bucket",
                    "versionArn.$": "$.model.versionArn",
                    "versionName.$": "$.model.versionName",
                    "minConfidence.$": "$.run.settings.minConfidence",
                    **(batch_input or {}),
                },
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": child_name,
                "States": {child_name: child},
            },
            "MaxConcurrency": config.batch_max_concurrency,
            "ToleratedFailurePercentage": (
                config.batchToleratedFailurePercent if tolerated_percent is None else tolerated_percent
            ),
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {
                    "Bucket.$": "$.run.settings.outputBucket",
                    "Prefix.$": "$.run.settings.outputPrefix",
                },
            },
            "ResultPath": "$.map",
        }

    def _grant_machine(self, storage: Storage) -> None:
        machine = self.state_machine
        console, inference = storage.console_bucket, storage.inference_bucket
        statements = [
            iam.PolicyStatement(
                sid="ListSourceBuckets",
                actions=["s3:ListBucket"],
                resources=[console.bucket_arn, inference.bucket_arn],
            ),
            iam.PolicyStatement(
                sid="ReadManifests",
                actions=["s3:GetObject"],
                resources=[console.arn_for_objects("*"), inference.arn_for_objects("*")],
            ),
            iam.PolicyStatement(
                sid="WriteMapResults",
                actions=[
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:ListMultipartUploadParts",
                    "s3:AbortMultipartUpload",
                ],
                resources=[inference.arn_for_objects("batches/*")],
            ),
            iam.PolicyStatement(
                sid="InvokeChildren",
                actions=["lambda:InvokeFunction"],
                resources=[
                    arn
                    for child in (self.analyse, self.video_chunk)
                    for arn in (child.function.function_arn, f"{child.function.function_arn}:*")
                ],
            ),
            iam.PolicyStatement(
                sid="RunChildWorkflows",
                actions=["states:StartExecution"],
                resources=[batch_machine_arn(self)],
            ),
            iam.PolicyStatement(
                sid="WatchChildWorkflows",
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[
                    f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{self.name}/*"
                ],
            ),
        ]
        for statement in statements:
            machine.add_to_role_policy(statement)
        machine.use_key_through(
            storage.key,
            ["s3"],
            "The Map's ItemReader/ResultWriter read and write the SSE-KMS buckets; the key is usable only "
            "through S3 (kms:ViaService).",
        )
        for bucket in (console, inference):
            acknowledge(
                machine,
                f"AwsSolutions-IAM5[Resource::{nag_text(self, bucket.bucket_arn)}/*]",
                "The batch source (a prefix or a manifest) may be anywhere in the stack's two buckets; the "
                "ItemReader lists the prefix or reads the manifest.",
            )
        acknowledge(
            machine,
            f"AwsSolutions-IAM5[Resource::{nag_text(self, inference.bucket_arn)}/batches/*]",
            "The ResultWriter writes each execution's results under batches/<execution>/.",
        )
        acknowledge(
            machine,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
            f"execution:{nag_text(self, self.name)}/*]",
            "The Distributed Map's child workflows are executions of this state machine, named at run time.",
        )
