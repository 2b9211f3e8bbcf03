"""The batch functions' services, built once per warm container from the environment."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3

from customlabels import aws_clients
from customlabels.aws_clients import REKOGNITION_RETRIES
from customlabels.batch.children import BatchAnalyser
from customlabels.batch.settings import BatchSettings
from customlabels.feedback.review import review_set
from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.result_items import ResultItems

AnalyzerFor = Callable[[str, str, float | None], Analyzer]


def analyzers(env: BatchSettings, s3: Any, dynamodb: Any) -> AnalyzerFor:
    """The upload path's analyser on a run's model version; the state machine keeps it running."""
    rekognition = boto3.client("rekognition", config=REKOGNITION_RETRIES)
    table = dynamodb.Table(env.results_table_name)  # the analyser's; the batch writes through ResultItems
    review = review_set(s3, env.inference_bucket_name, env.project_name, env.review_below_confidence)

    @cache
    def analyzer_for(version_arn: str, version_name: str, min_confidence: float | None) -> Analyzer:
        model = {"versionArn": version_arn, "versionName": version_name}
        return Analyzer(
            s3=s3,
            rekognition=rekognition,
            results_table=table,
            champions=ChampionCache(lambda: model, ttl_seconds=3600, project=env.project_name),
            starter=ModelStarter(
                rekognition,
                min_inference_units=env.min_inference_units,
                max_inference_units=env.max_inference_units,
                interval_seconds=60,
                cap_hold=lambda _arn: None,
            ),
            settings=Settings(
                min_confidence=min_confidence, start_stopped_model=False, model_retry_seconds=60
            ),
            results_bucket=env.inference_bucket_name,
            review=review,
        )

    return analyzer_for


def batch_analyser(env: BatchSettings) -> BatchAnalyser:
    s3 = boto3.client("s3")
    dynamodb = aws_clients.dynamodb_resource()
    return BatchAnalyser(
        s3=s3,
        result_items=ResultItems(dynamodb, env.results_table_name),
        results_bucket=env.inference_bucket_name,
        analyzer_for=analyzers(env, s3, dynamodb),  # items are written through ResultItems
        concurrency=env.detect_concurrency,
    )
