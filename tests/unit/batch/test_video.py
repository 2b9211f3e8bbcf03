"""Long videos in the batch analysis: the chunk plan, chunks analysed on their own windows, and the
merge into the one-run result format (segments joined across chunk boundaries)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from customlabels.batch.settings import BatchSettings
from customlabels.batch.video_chunk import VideoChunks
from customlabels.batch.video_merge import merge_video
from customlabels.batch.video_prepare import plan_video
from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.video_plan import plan_chunks
from customlabels.inference.video_timeline import merge_timelines, segments
from customlabels.storage_layout import BATCHES_PREFIX
from tests.fixtures.videos import encode, solid
from tests.unit.inference.conftest import BUCKET, MODEL_ARN, RESULTS_TABLE
from tests.unit.inference.test_video import BLUE, GREEN, RED, ColourModel, analyser, uploaded

EXECUTION = "video-long-0123"
MODEL = {"versionArn": MODEL_ARN, "versionName": "widgets.v1"}


def test_chunks_cover_every_sampling_instant_and_the_last_runs_to_the_end() -> None:
    assert plan_chunks(10, 4) == [
        {"chunk": 0, "firstFrame": 0, "endFrame": 4},
        {"chunk": 1, "firstFrame": 4, "endFrame": 8},
        {"chunk": 2, "firstFrame": 8, "endFrame": None},
    ]
    assert [chunk["endFrame"] for chunk in plan_chunks(8, 4)] == [4, None]
    assert plan_chunks(1, 100) == [{"chunk": 0, "firstFrame": 0, "endFrame": None}]


def entry(timestamp_ms: int, *names: str) -> dict[str, Any]:
    return {"timestampMs": timestamp_ms, "labels": [{"name": name, "confidence": 90.0} for name in names]}


def test_a_label_seen_across_a_chunk_boundary_is_one_segment() -> None:
    first = [entry(0, "cat"), entry(1000, "cat")]
    second = [entry(2000, "cat", "dog"), entry(3000), entry(4000, "dog")]
    merged = merge_timelines([second, first])
    assert [e["timestampMs"] for e in merged] == [0, 1000, 2000, 3000, 4000]
    assert [(s["label"], s["startMs"], s["endMs"], s["frames"]) for s in segments(merged)] == [
        ("cat", 0, 2000, 3),
        ("dog", 2000, 4000, 2),  # the one missing frame (3000) is joined, also next to a boundary
    ]


def test_a_timestamp_two_chunks_hold_is_kept_once() -> None:
    assert merge_timelines([[entry(0, "a"), entry(1000, "a")], [entry(1000, "a")]]) == [
        entry(0, "a"),
        entry(1000, "a"),
    ]


def env(frames_per_chunk: int) -> BatchSettings:
    return BatchSettings(
        project_name="widgets",
        registry_table_name="registry",
        results_table_name=RESULTS_TABLE,
        inference_bucket_name=BUCKET,
        console_bucket_name="console",
        min_confidence=None,
        min_inference_units=1,
        max_inference_units=1,
        detect_concurrency=2,
        video_frames_per_second=1,
        video_frames_per_chunk=frames_per_chunk,
        review_below_confidence=None,
    )


def analyzer_for(model: ColourModel):
    def build(version_arn: str, version_name: str, min_confidence: float | None) -> Analyzer:
        s3 = boto3.client("s3")
        return Analyzer(
            s3=s3,
            rekognition=model,
            results_table=boto3.resource("dynamodb").Table(RESULTS_TABLE),
            champions=ChampionCache(lambda: MODEL, ttl_seconds=60, project="widgets"),
            starter=ModelStarter(model, min_inference_units=1, max_inference_units=1, interval_seconds=30),
            settings=Settings(
                min_confidence=min_confidence, start_stopped_model=False, model_retry_seconds=7
            ),
            results_bucket=BUCKET,
        )

    return build


def run_in_chunks(key: str, model: ColourModel, frames_per_chunk: int) -> dict[str, Any]:
    """PrepareBatch's plan, every chunk child, then MergeVideo: what the state machine runs."""
    s3 = boto3.client("s3")
    settings = {
        "source": f"s3://{BUCKET}/{key}",
        "kind": "video",
        "bucket": BUCKET,
        "key": key,
        "sourceVersionId": None,
        "minConfidence": None,
        "outputBucket": BUCKET,
        "outputPrefix": f"{BATCHES_PREFIX}{EXECUTION}",
    }
    problems: list[str] = []
    settings["video"] = plan_video(s3, settings, env(frames_per_chunk), problems)
    assert problems == []
    lines = s3.get_object(Bucket=BUCKET, Key=settings["video"]["chunksKey"])["Body"].read().splitlines()
    chunks = VideoChunks(s3=s3, analyzer_for=analyzer_for(model), concurrency=2, sleep=lambda _s: None)
    batch_input = {
        **MODEL,
        "minConfidence": None,
        "video": settings["video"],
        "outputBucket": BUCKET,
        "outputPrefix": settings["outputPrefix"],
    }
    for line in lines:  # the Map's children, one chunk each (ItemBatcher of 1)
        chunks.run({"Items": [json.loads(line)], "BatchInput": batch_input})
    event = {
        "settings": settings,
        "model": MODEL,
        "startedAt": "2026-01-01T00:00:00Z",
        "executionName": EXECUTION,
    }
    return merge_video(event, s3, analyzer_for(model))


COLOURS = [RED, RED, GREEN, RED, RED, RED, BLUE]  # red spans the boundary between chunks 0 and 1


def test_a_video_analysed_in_chunks_gets_the_result_of_one_run(resources) -> None:
    body = encode([solid(colour) for colour in COLOURS], keyframe_every=15)
    uploaded("clips/long.mp4", body)
    answer = run_in_chunks("uploads/clips/long.mp4", ColourModel(), frames_per_chunk=3)
    assert answer["status"] == "SUCCEEDED" and answer["chunks"] == 3 and answer["frames"] == 7
    assert answer["result"] == f"s3://{BUCKET}/results/clips/long.mp4.json"
    s3 = boto3.client("s3")
    chunked = json.loads(s3.get_object(Bucket=BUCKET, Key="results/clips/long.mp4.json")["Body"].read())

    uploaded("clips/short.mp4", body)
    analyser(ColourModel()).analyse(uploaded("clips/short.mp4", body))
    one_run = json.loads(s3.get_object(Bucket=BUCKET, Key="results/clips/short.mp4.json")["Body"].read())
    for field in ("timeline", "segments", "labels", "frameCount", "durationMs", "modelVersionArn"):
        assert chunked[field] == one_run[field], field
    assert [(s["label"], s["startMs"], s["endMs"]) for s in chunked["segments"]] == [
        ("red", 0, 5000),  # 2000 (green) is a one-frame gap; 3000-5000 come from the second chunk
        ("green", 2000, 2000),
        ("blue", 6000, 6000),
    ]
    assert chunked["video"]["chunks"] == 3 and chunked["video"]["batchExecution"] == EXECUTION
    item = boto3.resource("dynamodb").Table(RESULTS_TABLE).get_item(
        Key={"image": f"s3://{BUCKET}/uploads/clips/long.mp4", "version": chunked["image"]["version"]}
    )["Item"]
    assert item["status"] == "SUCCEEDED"


def test_a_chunk_the_model_refuses_makes_the_video_an_error_result(resources) -> None:
    class RefusingModel(ColourModel):
        def detect_custom_labels(self, **request: Any) -> dict[str, Any]:
            from botocore.exceptions import ClientError

            error = {"Error": {"Code": "InvalidImageFormatException", "Message": "no"}}
            raise ClientError(error, "DetectCustomLabels")

    uploaded("bad.mp4", encode([solid(RED)] * 4))
    answer = run_in_chunks("uploads/bad.mp4", RefusingModel(), frames_per_chunk=2)
    assert answer["status"] == "FAILED" and answer["result"].endswith("results/bad.mp4.error.json")
    document = json.loads(
        boto3.client("s3").get_object(Bucket=BUCKET, Key="results/bad.mp4.error.json")["Body"].read()
    )
    assert document["error"]["code"] == "NOT_AN_IMAGE" and "cannot read" in document["error"]["reason"]


@pytest.mark.parametrize("version", ["missing-version", None])
def test_a_missing_video_source_is_a_named_problem(resources, version) -> None:
    settings = {
        "source": f"s3://{BUCKET}/uploads/gone.mp4",
        "bucket": BUCKET,
        "key": "uploads/gone.mp4",
        "sourceVersionId": version,
        "outputBucket": BUCKET,
        "outputPrefix": "batches/x",
    }
    problems: list[str] = []
    assert plan_video(boto3.client("s3"), settings, env(3), problems) is None
    assert problems and "does not exist" in problems[0]


def test_a_throttled_frame_is_retried_with_back_off_not_lost(resources) -> None:
    class BusyModel(ColourModel):
        def __init__(self) -> None:
            super().__init__()
            self.refusals = 3

        def detect_custom_labels(self, **request: Any) -> dict[str, Any]:
            if self.refusals:
                self.refusals -= 1
                from botocore.exceptions import ClientError

                error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "busy"}}
                raise ClientError(error, "DetectCustomLabels")
            return super().detect_custom_labels(**request)

    uploaded("busy.mp4", encode([solid(GREEN)] * 4))
    answer = run_in_chunks("uploads/busy.mp4", BusyModel(), frames_per_chunk=2)
    assert answer["status"] == "SUCCEEDED" and answer["frames"] == 4
