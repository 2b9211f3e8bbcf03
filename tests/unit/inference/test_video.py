"""Video uploads: frames sampled at the configured rate, detected through the image path's analyser,
written as a timeline with per-label segments; unreadable or too long videos get error results."""

from __future__ import annotations

import io
import json
from typing import Any

import av
import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from PIL import Image

from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.errors import TransientProblem
from customlabels.inference.events import images_in_message
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.video import VideoAnalyzer, VideoSettings, max_frames
from customlabels.inference.video_frames import Video, VideoProblem, is_video
from tests.fixtures.videos import encode, solid
from tests.unit.inference.conftest import BUCKET, MODEL_ARN, RESULTS_TABLE, upload

RED, GREEN, BLUE = (220, 20, 20), (20, 220, 20), (20, 20, 220)
CHAMPION = {"versionArn": MODEL_ARN, "versionName": "widgets.v1"}


class ColourModel:
    """DetectCustomLabels stand-in that really looks at the frame: it names the dominant colour."""

    def __init__(self, throttle: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        self.throttle = throttle

    def detect_custom_labels(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.throttle:
            error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
            raise ClientError(error, "DetectCustomLabels")
        pixels = np.asarray(Image.open(io.BytesIO(request["Image"]["Bytes"])).convert("RGB"), dtype=float)
        name = ("red", "green", "blue")[int(pixels.mean(axis=(0, 1)).argmax())]
        return {"CustomLabels": [{"Name": name, "Confidence": 90.0}]}


def analyser(model: ColourModel, *, frames_per_second: float = 1, limit: int = 100) -> VideoAnalyzer:
    s3 = boto3.client("s3")
    images = Analyzer(
        s3=s3,
        rekognition=model,
        results_table=boto3.resource("dynamodb").Table(RESULTS_TABLE),
        champions=ChampionCache(lambda: CHAMPION, ttl_seconds=60, project="widgets"),
        starter=ModelStarter(model, min_inference_units=1, max_inference_units=1, interval_seconds=30),
        settings=Settings(min_confidence=None, start_stopped_model=True, model_retry_seconds=7),
    )
    settings = VideoSettings(
        frames_per_second=frames_per_second, max_frames=limit, frames_per_second_analysed=2, max_bytes=10**8
    )
    return VideoAnalyzer(analyzer=images, s3=s3, settings=settings)


def uploaded(key: str, body: bytes):
    [video] = images_in_message(json.dumps(upload(boto3.client("s3"), f"uploads/{key}", body)))
    return video


def result(key: str) -> dict[str, Any]:
    return json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


@pytest.mark.parametrize("key", ["a.mp4", "b.MOV", "c.Mp4", "d.mOv"])
def test_mp4_and_mov_in_any_case_are_videos(key: str) -> None:
    assert is_video(key)


@pytest.mark.parametrize("key", ["a.png", "b.mp4.json", "c.mkv", "mp4"])
def test_other_keys_are_not_videos(key: str) -> None:
    assert not is_video(key)


@pytest.mark.parametrize(("rate", "expected"), [(1, [0, 1000, 2000]), (2, [0, 500, 1000, 1500, 2000, 2500])])
def test_frames_are_sampled_at_the_configured_rate(rate: float, expected: list[int]) -> None:
    body = encode([solid(RED), solid(GREEN), solid(BLUE)], fps=10)
    with Video(io.BytesIO(body)) as video:
        assert video.info.duration_ms == 3000
        assert video.info.expected_frames(rate) == len(expected)
        frames = list(video.frames(rate))
    assert [frame.timestamp_ms for frame in frames] == expected
    assert {(frame.width, frame.height) for frame in frames} == {(64, 64)}


def test_a_video_gets_a_timeline_and_segments_of_what_each_second_shows(resources) -> None:
    model = ColourModel()
    body = encode([solid(RED), solid(RED), solid(GREEN), solid(BLUE), solid(BLUE)], fmt="mov")
    video = uploaded("clips/colours.MOV", body)
    outcome = analyser(model).analyse(video)
    assert outcome.status == "SUCCEEDED" and outcome.result_key == "results/clips/colours.MOV.json"
    document = result("results/clips/colours.MOV.json")
    assert [entry["timestampMs"] for entry in document["timeline"]] == [0, 1000, 2000, 3000, 4000]
    seen = [entry["labels"][0]["name"] for entry in document["timeline"]]
    assert seen == ["red", "red", "green", "blue", "blue"]
    assert [(s["label"], s["startMs"], s["endMs"]) for s in document["segments"]] == [
        ("red", 0, 1000),
        ("green", 2000, 2000),
        ("blue", 3000, 4000),
    ]
    assert document["frameCount"] == 5 and document["durationMs"] == 5000
    assert document["modelVersionArn"] == MODEL_ARN and document["modelVersionName"] == "widgets.v1"
    assert {request["ProjectVersionArn"] for request in model.requests} == {MODEL_ARN}


def test_a_one_frame_gap_is_joined_and_a_two_frame_gap_splits_a_segment(resources) -> None:
    colours = [RED, GREEN, RED, BLUE, BLUE, RED]
    document_key = "results/gaps.mp4.json"
    analyser(ColourModel()).analyse(uploaded("gaps.mp4", encode([solid(c) for c in colours])))
    segments = result(document_key)["segments"]
    red = [(s["startMs"], s["endMs"], s["frames"]) for s in segments if s["label"] == "red"]
    assert red == [(0, 2000, 2), (5000, 5000, 1)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"this is not a video at all\n" * 100, "CORRUPT_VIDEO"),
        (b"", "CORRUPT_VIDEO"),
    ],
)
def test_an_unreadable_video_gets_an_error_result_not_a_retry(resources, body: bytes, code: str) -> None:
    outcome = analyser(ColourModel()).analyse(uploaded("bad/broken.mp4", body))
    assert outcome.status == "FAILED" and outcome.result_key == "results/bad/broken.mp4.error.json"
    document = result("results/bad/broken.mp4.error.json")
    assert document["error"]["code"] == code and document["error"]["reason"]


def test_a_file_without_video_frames_gets_an_error_result(resources) -> None:
    outcome = analyser(ColourModel()).analyse(uploaded("sound-only.mp4", silence()))
    assert outcome.status == "FAILED"
    error = result("results/sound-only.mp4.error.json")["error"]
    assert error["code"] == "NO_FRAMES" and "no video stream" in error["reason"]


def silence() -> bytes:
    """One second of silent AAC in an mp4: a valid container with no video in it."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000)
        samples = np.zeros((1, 8000), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 8000
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def test_a_video_too_long_for_one_run_gets_an_error_naming_its_frames(resources) -> None:
    model = ColourModel()
    outcome = analyser(model, limit=2).analyse(uploaded("long.mp4", encode([solid(RED)] * 3)))
    assert outcome.status == "FAILED"
    error = result("results/long.mp4.error.json")["error"]
    assert error["code"] == "VIDEO_TOO_LONG"
    assert "too long for one run: 3 frames at 2 frames/s" in error["reason"]
    assert "customlabels analyse" in error["fix"]
    assert model.requests == []  # refused before any DetectCustomLabels call


def test_throttling_retries_the_whole_video_through_the_queue(resources) -> None:
    video = uploaded("busy.mp4", encode([solid(RED)]))
    with pytest.raises(TransientProblem):
        analyser(ColourModel(throttle=True)).analyse(video)
    listing = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="results/")
    assert listing.get("Contents", []) == []


def test_the_frame_limit_is_the_timeout_margin_at_the_analysis_rate() -> None:
    assert max_frames(60, 0.5, 2) == 60
    assert max_frames(60, 0.5, 0.01) == 1


def test_a_truncated_video_is_reported_not_crashed() -> None:
    body = encode([solid(RED), solid(GREEN)])
    with pytest.raises(VideoProblem), Video(io.BytesIO(body[: len(body) // 3])) as video:
        list(video.frames(1))
