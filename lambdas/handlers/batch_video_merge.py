"""Task MergeVideo: a long video's chunk timelines merged into results/<key>.json and its table item."""

import os

import boto3
from aws_lambda_powertools import Logger, Tracer

from customlabels import aws_clients
from customlabels.batch.entry import analyzers
from customlabels.batch.settings import BatchSettings
from customlabels.batch.video_merge import merge_video

logger, tracer = Logger(), Tracer()
ENV = BatchSettings.from_environment(os.environ)
S3 = boto3.client("s3")
ANALYZER_FOR = analyzers(ENV, S3, aws_clients.dynamodb_resource())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict, context: object) -> dict:
    return merge_video(event, S3, ANALYZER_FOR)
