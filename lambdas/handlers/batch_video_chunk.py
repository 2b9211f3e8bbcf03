"""Task AnalyseVideoChunk (the video Map's child): one chunk of a long video's frames, detected."""

import os

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer

from customlabels import aws_clients
from customlabels.batch.entry import analyzers
from customlabels.batch.settings import BatchSettings
from customlabels.batch.video_chunk import VideoChunks
from customlabels.metric_emit import emit_detections

logger, tracer, metrics = Logger(), Tracer(), Metrics()
ENV = BatchSettings.from_environment(os.environ)
S3 = boto3.client("s3")
ANALYZERS = analyzers(ENV, S3, aws_clients.dynamodb_resource())
CHUNKS = VideoChunks(s3=S3, analyzer_for=ANALYZERS, concurrency=ENV.detect_concurrency)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    answer = CHUNKS.run(event)
    if answer["frames"]:  # the idle guard's traffic signal: a long video keeps its model running
        emit_detections(ENV.project_name, event["BatchInput"]["versionName"], answer["frames"])
    return answer
