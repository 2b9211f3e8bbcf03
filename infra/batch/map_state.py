"""The Distributed Map states of the batch machine, written as ASL (CustomState): CDK's DistributedMap
readers take a fixed prefix, and the prefix here comes from the execution input.

Each Map reads its items (ItemReader: S3 ListObjectsV2 of the prefix, or a JSON Lines object), batches
them (ItemBatcher), runs one child Lambda per batch (MaxConcurrency by the sizing rule,
ToleratedFailurePercentage) and writes its results under batches/<execution>/ (ResultWriter) to $.map.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.batch.functions import BatchFunctions
from infra.config import Config
from infra.functions import PipelineFunction
from infra.training.flow import TRANSIENT_ERRORS

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
JSON_LINES_FROM = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"}}


def prefix_map(scope: Construct, config: Config, functions: BatchFunctions) -> sfn.CustomState:
    """AnalysePrefix: every object under the input's prefix."""
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket.$": "$.run.settings.bucket", "Prefix.$": "$.run.settings.prefix"},
    }
    state = map_state(config, "AnalysePrefixBatch", functions.analyse, reader)
    return sfn.CustomState(scope, "AnalysePrefix", state_json=state)


def manifest_map(scope: Construct, config: Config, functions: BatchFunctions) -> sfn.CustomState:
    """AnalyseManifest: every line of the input's JSON Lines manifest."""
    reader = {
        **JSON_LINES_FROM,
        "Parameters": {"Bucket.$": "$.run.settings.bucket", "Key.$": "$.run.settings.key"},
    }
    state = map_state(config, "AnalyseManifestBatch", functions.analyse, reader)
    return sfn.CustomState(scope, "AnalyseManifest", state_json=state)


def video_map(scope: Construct, config: Config, functions: BatchFunctions) -> sfn.CustomState:
    """AnalyseVideo: one child per frame chunk PrepareBatch wrote; no failed chunk is tolerated."""
    reader = {
        **JSON_LINES_FROM,
        "Parameters": {
            "Bucket.$": "$.run.settings.outputBucket",
            "Key.$": "$.run.settings.video.chunksKey",
        },
    }
    state = map_state(
        config,
        "AnalyseVideoChunk",
        functions.video_chunk,
        reader,
        items_per_child=1,
        batch_input={
            "video.$": "$.run.settings.video",
            "outputBucket.$": "$.run.settings.outputBucket",
            "outputPrefix.$": "$.run.settings.outputPrefix",
        },
        tolerated_percent=0,  # a timeline with a missing stretch is not a result
    )
    return sfn.CustomState(scope, "AnalyseVideo", state_json=state)


def map_state(
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
