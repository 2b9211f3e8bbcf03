"""The batch Lambdas: PrepareBatch, AnalyseBatch (the Map's children), SummariseBatch, and for a long video
AnalyseVideoChunk (the children) and MergeVideo. They share one environment (BatchSettings) and the grant
table's rows."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from customlabels.batch.settings import BatchSettings
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.role_policies import granted_function
from infra.storage import Storage
from infra.video_sizing import video_frames_per_run

ANALYSE_TIMEOUT_SECONDS = 300
SUMMARY_TIMEOUT_SECONDS = 900
CHUNK_TIMEOUT_SECONDS = 300
CHUNK_MEMORY_MB = 1769  # one full vCPU: decoding is CPU work
MERGE_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class BatchFunctions:
    prepare: PipelineFunction
    analyse: PipelineFunction
    summary: PipelineFunction
    video_chunk: PipelineFunction
    video_merge: PipelineFunction

    def all(self) -> list[PipelineFunction]:
        return [self.prepare, self.analyse, self.summary, self.video_chunk, self.video_merge]


def batch_functions(
    scope: Construct,
    *,
    config: Config,
    storage: Storage,
    registry: dynamodb.ITable,
    results_table: dynamodb.ITable,
    video_layer: lambda_.ILayerVersion,
) -> BatchFunctions:
    environment = BatchSettings(
        project_name=config.projectName,
        registry_table_name=registry.table_name,
        results_table_name=results_table.table_name,
        inference_bucket_name=storage.inference_bucket.bucket_name,
        console_bucket_name=storage.console_bucket.bucket_name,
        min_confidence=config.minConfidence,
        min_inference_units=config.minInferenceUnits,
        max_inference_units=config.maxInferenceUnits,
        detect_concurrency=config.detectConcurrency,
        video_frames_per_second=config.videoFramesPerSecond,
        video_frames_per_chunk=video_frames_per_run(config, CHUNK_TIMEOUT_SECONDS, CHUNK_MEMORY_MB),
        review_below_confidence=config.reviewBelowConfidence,
    ).to_environment()
    targets = {
        On.REGISTRY: registry.table_arn,
        On.RESULTS_TABLE: results_table.table_arn,
    }

    def function(
        construct_id: str, module: str, timeout: int, memory: int = 512, *, video: bool = False
    ) -> PipelineFunction:
        return granted_function(
            scope,
            construct_id,
            module=module,
            config=config,
            storage=storage,
            targets=targets,
            environment=environment,
            timeout_seconds=timeout,
            memory_size=memory,
            layers=[video_layer] if video else None,
        )

    return BatchFunctions(
        prepare=function("PrepareBatchFunction", "batch_prepare", 60, video=True),
        analyse=function("AnalyseBatchFunction", "batch_analyse", ANALYSE_TIMEOUT_SECONDS, 1024),
        summary=function("SummariseBatchFunction", "batch_summary", SUMMARY_TIMEOUT_SECONDS, 1024),
        video_chunk=function(
            "AnalyseVideoChunkFunction",
            "batch_video_chunk",
            CHUNK_TIMEOUT_SECONDS,
            CHUNK_MEMORY_MB,
            video=True,
        ),
        video_merge=function("MergeVideoFunction", "batch_video_merge", MERGE_TIMEOUT_SECONDS),
    )
