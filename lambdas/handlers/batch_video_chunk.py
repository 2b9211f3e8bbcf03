"""Task AnalyseVideoChunk (the video Map's child): one chunk of a long video's frames, detected."""

import os

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from customlabels import aws_clients
from customlabels.batch.entry import analyzers
from customlabels.batch.settings import BatchEnv
from customlabels.batch.video_chunk import VideoChunks

logger, tracer, metrics = Logger(), Tracer(), Metrics()
ENV = BatchEnv.from_environ(os.environ)
S3 = boto3.client("s3")
CHUNKS = VideoChunks(
    s3=S3, analyzer_for=analyzers(ENV, S3, aws_clients.dynamodb_resource()), concurrency=ENV.concurrency
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    answer = CHUNKS.run(event)
    if answer["frames"]:  # the idle guard's traffic signal: a long video keeps its model running
        dimensions = {"ProjectName": ENV.project, "VersionName": event["BatchInput"]["versionName"]}
        with single_metric(
            name="Detections", unit=MetricUnit.Count, value=answer["frames"], default_dimensions=dimensions
        ):
            pass
    return answer
