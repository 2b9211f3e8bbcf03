"""SQS batch of S3 upload events -> DetectCustomLabels on the champion -> results, partial failures.

Records of a batch run concurrently (up to DETECT_CONCURRENCY) on threads; each image version is
analysed exactly once (Powertools idempotency keyed on bucket, key and versionId-or-ETag).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config as BotoConfig

from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.errors import THROUGHPUT_EXCEEDED
from customlabels.inference.events import ImageVersion
from customlabels.inference.messages import MessageProcessor
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.results import SUCCEEDED
from customlabels.inference.settings import DetectSettings
from customlabels.training.registry import Registry

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# Idempotency records outlive the queue's 14-day retention: no redelivery can see an expired one.
IDEMPOTENCY_SECONDS = 15 * 24 * 3600
# One in-process retry smooths short throttling bursts; longer trouble goes back to the queue.
REKOGNITION_RETRIES = BotoConfig(retries={"mode": "standard", "max_attempts": 2})


def _mark_duplicate(response: dict[str, Any], _record: Any) -> dict[str, Any]:
    return {**response, "duplicate": True}


IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="[bucket, key, version]",
    expires_after_seconds=IDEMPOTENCY_SECONDS,
    response_hook=_mark_duplicate,
)


@cache
def _settings() -> DetectSettings:
    return DetectSettings.from_environ(os.environ)


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=_settings().idempotency_table)


@cache
def _analyzer() -> Analyzer:
    settings = _settings()
    rekognition = boto3.client("rekognition", config=REKOGNITION_RETRIES)
    registry = Registry(settings.registry_table)
    return Analyzer(
        s3=boto3.client("s3"),
        rekognition=rekognition,
        results_table=boto3.resource("dynamodb").Table(settings.results_table),
        champions=ChampionCache(
            lambda: registry.champion(settings.project),
            ttl_seconds=settings.champion_cache_seconds,
            project=settings.project,
        ),
        starter=ModelStarter(
            rekognition,
            min_inference_units=settings.min_inference_units,
            max_inference_units=settings.max_inference_units,
            interval_seconds=settings.model_retry_seconds,
        ),
        settings=Settings(
            min_confidence=settings.min_confidence,
            start_stopped_model=settings.start_stopped_model,
            model_retry_seconds=settings.model_retry_seconds,
        ),
    )


def analyse_once(image: dict[str, Any]) -> dict[str, Any]:
    """Idempotent per image version; wrapped at first use so the persistence layer is built lazily."""
    return _analyzer().analyse(ImageVersion(**image)).as_dict()


@cache
def _messages() -> MessageProcessor:
    once = idempotent_function(
        data_keyword_argument="image", persistence_store=_persistence(), config=IDEMPOTENCY
    )(analyse_once)
    return MessageProcessor(sqs=boto3.client("sqs"), queue_url=_settings().queue_url, analyse_once=once)


def _process(record: SQSRecord) -> list[dict[str, Any]]:
    outcomes = _messages().process(
        record.body, record.receipt_handle, int(record.attributes.approximate_receive_count or 1)
    )
    for outcome in outcomes:
        logger.info("analysed", extra={"messageId": record.message_id, **outcome})
    return outcomes


def _emit_detections(processed: list[tuple]) -> None:
    """Detections per model version (dimensions as AWS/Rekognition's): the idle guard reads these.
    Failed records are logged (they go back to the queue) and throttling is counted for its alarm."""
    per_model: Counter[str] = Counter()
    for status, outcomes, record in processed:
        if status != "success":
            logger.warning("retrying record", extra={"messageId": record.message_id, "error": outcomes})
            if THROUGHPUT_EXCEEDED in str(outcomes):
                metrics.add_metric(name="ThroughputExceeded", unit=MetricUnit.Count, value=1)
            continue
        for outcome in outcomes:
            metrics.add_metric(name="ImagesAnalysed", unit=MetricUnit.Count, value=1)
            if outcome.get("duplicate"):
                metrics.add_metric(name="DuplicateEvents", unit=MetricUnit.Count, value=1)
            elif outcome["status"] == SUCCEEDED:
                per_model[outcome["modelVersionName"]] += 1
            else:
                metrics.add_metric(name="ImagesRejected", unit=MetricUnit.Count, value=1)
    for version_name, count in per_model.items():
        with single_metric(
            name="Detections",
            unit=MetricUnit.Count,
            value=count,
            default_dimensions={"ProjectName": _settings().project, "VersionName": version_name},
        ):
            pass


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    IDEMPOTENCY.register_lambda_context(context)
    _messages()  # build clients on this thread: worker threads share them
    semaphore = asyncio.Semaphore(_settings().concurrency)

    async def handle(record: SQSRecord) -> list[dict[str, Any]]:
        async with semaphore:
            return await asyncio.to_thread(_process, record)

    processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=handle, lambda_context=context):
        processed = processor.async_process()
    _emit_detections(processed)
    return processor.response()
