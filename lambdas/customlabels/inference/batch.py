"""One SQS batch of S3 upload events: DetectCustomLabels on the champion, results, partial failures.

Records of a batch run concurrently (up to DETECT_CONCURRENCY) on threads; each image version is
analysed exactly once (Powertools idempotency keyed on bucket, key and versionId-or-ETag). A
`Detector` builds its clients on first use from the function's environment. ``.mp4``/``.mov`` keys
go to the video analyser (inference/video.py), everything else to the image analyser.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from customlabels.aws_clients import REKOGNITION_RETRIES
from customlabels.feedback.review import review_set
from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.errors import THROUGHPUT_EXCEEDED
from customlabels.inference.events import ImageVersion
from customlabels.inference.long_videos import LongVideos
from customlabels.inference.messages import MessageProcessor
from customlabels.inference.model_start import ModelStarter, registry_cap_hold
from customlabels.inference.result_items import ResultItems, portable, restored
from customlabels.inference.results import SUCCEEDED
from customlabels.inference.settings import DetectSettings
from customlabels.inference.shadow_runner import ShadowRunner
from customlabels.inference.video import BATCHED, VideoAnalyzer, VideoSettings
from customlabels.inference.video_plan import is_video
from customlabels.metric_emit import emit_detections
from customlabels.metrics import Metric
from customlabels.training.registry import Registry

logger = Logger(child=True)
metrics = Metrics()

# Idempotency records outlive the queue's 14-day retention: no redelivery can see an expired one.
IDEMPOTENCY_SECONDS = 15 * 24 * 3600
ROW = "row"  # an image outcome's results-table row (result_items.portable), written per batch


def _mark_duplicate(response: dict[str, Any], _record: Any) -> dict[str, Any]:
    return {**response, "duplicate": True}


class Detector:
    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = environment
        self.idempotency = IdempotencyConfig(
            event_key_jmespath="[bucket, key, version]",
            expires_after_seconds=IDEMPOTENCY_SECONDS,
            response_hook=_mark_duplicate,
        )

    @cached_property
    def settings(self) -> DetectSettings:
        return DetectSettings.from_environment(self._environment)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.settings.registry_table_name)

    @cached_property
    def rekognition(self) -> Any:
        return boto3.client("rekognition", config=REKOGNITION_RETRIES)

    @cached_property
    def starter(self) -> ModelStarter:
        """Starts a stopped champion, unless the guard holds it stopped (the registry's capHoldUntil)."""
        settings = self.settings
        return ModelStarter(
            self.rekognition,
            min_inference_units=settings.min_inference_units,
            max_inference_units=settings.max_inference_units,
            interval_seconds=settings.model_retry_seconds,
            cap_hold=registry_cap_hold(self.registry),
        )

    @cached_property
    def analyzer(self) -> Analyzer:
        settings, registry = self.settings, self.registry
        s3 = boto3.client("s3")
        results_table = boto3.resource("dynamodb").Table(settings.results_table_name)
        return Analyzer(
            s3=s3,
            rekognition=self.rekognition,
            results_table=results_table,
            champions=ChampionCache(
                lambda: registry.champion(settings.project_name),
                ttl_seconds=settings.champion_cache_seconds,
                project=settings.project_name,
            ),
            starter=self.starter,
            settings=Settings(
                min_confidence=settings.min_confidence,
                start_stopped_model=settings.start_stopped_model,
                model_retry_seconds=settings.model_retry_seconds,
            ),
            review=review_set(s3, settings.inference_bucket_name, settings.project_name,
                              settings.review_below_confidence),
            documents_in_rows=True,
            shadow=ShadowRunner(
                s3=s3,
                rekognition=self.rekognition,
                registry_table=registry.table,
                results_table=results_table,
                project=settings.project_name,
                ttl_seconds=settings.champion_cache_seconds,
                min_confidence=settings.min_confidence,
            ),
        )

    @cached_property
    def result_items(self) -> ResultItems:
        return ResultItems(boto3.resource("dynamodb"), self.settings.results_table_name)

    @cached_property
    def videos(self) -> VideoAnalyzer:
        settings = self.settings
        return VideoAnalyzer(
            analyzer=self.analyzer,
            s3=boto3.client("s3"),
            settings=VideoSettings(
                frames_per_second=settings.video_frames_per_second,
                max_frames=settings.video_max_frames,
                max_bytes=settings.video_max_bytes,
            ),
            long_videos=(
                LongVideos(boto3.client("stepfunctions"), settings.batch_state_machine_arn)
                if settings.batch_state_machine_arn
                else None
            ),
        )

    @cached_property
    def messages(self) -> MessageProcessor:
        persistence = DynamoDBPersistenceLayer(table_name=self.settings.idempotency_table_name)
        once = idempotent_function(
            data_keyword_argument="image", persistence_store=persistence, config=self.idempotency
        )(self._analyse_once)
        return MessageProcessor(sqs=boto3.client("sqs"), queue_url=self.settings.queue_url, analyse_once=once)

    def _analyse_once(self, image: dict[str, Any]) -> dict[str, Any]:
        upload = ImageVersion(**image)
        if is_video(upload.key):
            return self.videos.analyse(upload).as_dict()
        outcome = self.analyzer.analyse(upload, record=False)  # the batch's rows are written together
        return {**outcome.as_dict(), ROW: portable(outcome.table_item or {})}

    def _process(self, record: SQSRecord) -> list[dict[str, Any]]:
        outcomes = self.messages.process(
            record.body, record.receipt_handle, int(record.attributes.approximate_receive_count or 1)
        )
        for outcome in outcomes:
            logged = {name: value for name, value in outcome.items() if name != ROW}
            logger.info("analysed", extra={"messageId": record.message_id, **logged})
        return outcomes

    def _write_rows(self, processed: list[tuple]) -> None:
        """The batch's image rows, in BatchWriteItem calls; a redelivered image's row only if it is
        missing (lost with an invocation that ended before writing it). Raising fails the invocation:
        its messages come back and their rows are written from their idempotency records."""
        outcomes = [outcome for status, found, _ in processed if status == "success" for outcome in found]
        rows = [(restored(outcome[ROW]), outcome.get("duplicate")) for outcome in outcomes if ROW in outcome]
        self.result_items.write(row for row, duplicate in rows if not duplicate)
        self.result_items.write_missing(row for row, duplicate in rows if duplicate)

    def run(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.idempotency.register_lambda_context(context)
        self.messages  # noqa: B018 -- build clients on this thread: worker threads share them
        self.videos  # noqa: B018
        semaphore = asyncio.Semaphore(self.settings.detect_concurrency)

        async def handle(record: SQSRecord) -> list[dict[str, Any]]:
            async with semaphore:
                return await asyncio.to_thread(self._process, record)

        processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        with processor(records=event["Records"], handler=handle, lambda_context=context):
            processed = processor.async_process()
        self._write_rows(processed)
        self._emit_detections(processed)
        return processor.response()

    def _emit_detections(self, processed: list[tuple]) -> None:
        """Detections per model version (dimensions as AWS/Rekognition's): the idle guard reads these.
        Failed records are logged (they go back to the queue) and throttling is counted for its alarm."""
        per_model: Counter[str] = Counter()
        for status, outcomes, record in processed:
            if status != "success":
                logger.warning("retrying record", extra={"messageId": record.message_id, "error": outcomes})
                if THROUGHPUT_EXCEEDED in str(outcomes):
                    metrics.add_metric(name=Metric.THROUGHPUT_EXCEEDED, unit=MetricUnit.Count, value=1)
                continue
            for outcome in outcomes:
                metrics.add_metric(name=Metric.IMAGES_ANALYSED, unit=MetricUnit.Count, value=1)
                if outcome.get("duplicate"):
                    metrics.add_metric(name=Metric.DUPLICATE_EVENTS, unit=MetricUnit.Count, value=1)
                elif outcome["status"] == SUCCEEDED:
                    per_model[outcome["modelVersionName"]] += 1
                elif outcome["status"] == BATCHED:
                    metrics.add_metric(name=Metric.VIDEOS_BATCHED, unit=MetricUnit.Count, value=1)
                else:
                    metrics.add_metric(name=Metric.IMAGES_REJECTED, unit=MetricUnit.Count, value=1)
        for version_name, count in per_model.items():
            emit_detections(self.settings.project_name, version_name, count)
