"""Video uploads: frames sampled at the configured rate, detected through the image path's analyser,
written as a timeline with per-label segments; unreadable or too long videos get error results."""

from __future__ import annotations

import io
import json
import re
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
from customlabels.inference.events import ImageVersion, images_in_message
from customlabels.inference.long_videos import LongVideos
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.s3_object_file import open_object
from customlabels.inference.video import VideoAnalyzer, VideoSettings
from customlabels.inference.video_frames import Video, VideoProblem
from customlabels.inference.video_plan import execution_name, frames_per_run, is_video
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


def analyser(
    model: ColourModel, *, frames_per_second: float = 1, limit: int = 100, batch: LongVideos | None = None
) -> VideoAnalyzer:
    s3 = boto3.client("s3")
    images = Analyzer(
        s3=s3,
        rekognition=model,
        results_table=boto3.resource("dynamodb").Table(RESULTS_TABLE),
        champions=ChampionCache(lambda: CHAMPION, ttl_seconds=60, project="widgets"),
        starter=ModelStarter(model, min_inference_units=1, max_inference_units=1, interval_seconds=30),
        settings=Settings(min_confidence=None, start_stopped_model=True, model_retry_seconds=7),
    )
    settings = VideoSettings(frames_per_second=frames_per_second, max_frames=limit, max_bytes=10**8)
    return VideoAnalyzer(analyzer=images, s3=s3, settings=settings, long_videos=batch)


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


def batch_machine() -> LongVideos:
    stepfunctions = boto3.client("stepfunctions")
    arn = stepfunctions.create_state_machine(
        name="test-BatchAnalysis",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::123456789012:role/machine",
    )["stateMachineArn"]
    return LongVideos(stepfunctions, arn)


def executions(batch: LongVideos) -> list[dict[str, Any]]:
    stepfunctions = boto3.client("stepfunctions")
    arn = stepfunctions.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    listed = stepfunctions.list_executions(stateMachineArn=arn)["executions"]
    return [stepfunctions.describe_execution(executionArn=e["executionArn"]) for e in listed]


def test_a_long_video_goes_to_the_batch_analysis_once_per_version_before_any_detection(resources) -> None:
    model, batch = ColourModel(), batch_machine()
    video = uploaded("clips/long.mp4", encode([solid(RED)] * 3))
    outcome = analyser(model, limit=2, batch=batch).analyse(video)
    assert outcome.status == "BATCHED" and outcome.result_key == "results/clips/long.mp4.json"
    assert model.requests == []  # decided from the container's duration, before any DetectCustomLabels call
    analyser(model, limit=2, batch=batch).analyse(video)  # the upload delivered again
    [started] = executions(batch)
    assert started["name"] == execution_name(video)
    assert json.loads(started["input"]) == {
        "source": f"s3://{BUCKET}/uploads/clips/long.mp4",
        "sourceVersionId": video.version_id,
    }
    listing = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="results/")
    assert listing.get("Contents", []) == []  # the batch analysis writes the result


def test_a_new_version_of_a_long_video_gets_its_own_execution(resources) -> None:
    batch = batch_machine()
    for colour in (RED, GREEN):
        upload = uploaded("long.mp4", encode([solid(colour)] * 3))
        analyser(ColourModel(), limit=2, batch=batch).analyse(upload)
    assert len({started["name"] for started in executions(batch)}) == 2


def test_without_a_batch_analysis_a_long_video_gets_an_error_naming_its_frames(resources) -> None:
    model = ColourModel()
    outcome = analyser(model, limit=2).analyse(uploaded("long.mp4", encode([solid(RED)] * 3)))
    assert outcome.status == "FAILED"
    error = result("results/long.mp4.error.json")["error"]
    assert error["code"] == "VIDEO_TOO_LONG"
    assert "too long for one run: 3 frames exceed the 2 frames" in error["reason"]
    assert "customlabels analyse" in error["fix"]
    assert model.requests == []


def test_throttling_retries_the_whole_video_through_the_queue(resources) -> None:
    video = uploaded("busy.mp4", encode([solid(RED)]))
    with pytest.raises(TransientProblem):
        analyser(ColourModel(throttle=True)).analyse(video)
    listing = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="results/")
    assert listing.get("Contents", []) == []


def test_the_frame_limit_is_the_timeout_margin_at_the_cost_of_a_frame() -> None:
    assert frames_per_run(60, 0.5, 0.5) == 60
    assert frames_per_run(60, 0.5, 1.12) == 26
    assert frames_per_run(60, 0.5, 100) == 1


def test_windows_cut_on_the_sampling_grid_add_up_to_one_pass() -> None:
    colours = [RED, GREEN, BLUE, RED, GREEN, BLUE, RED]
    body = encode([solid(c) for c in colours], fps=10, keyframe_every=15)
    with Video(io.BytesIO(body)) as video:
        whole = [(f.timestamp_ms, f.jpeg) for f in video.frames(2)]
    pieces = []
    for first, end in ((0, 5), (5, 9), (9, None)):
        with Video(io.BytesIO(body)) as video:
            pieces += [(f.timestamp_ms, f.jpeg) for f in video.frames(2, first, end)]
    assert [t for t, _ in pieces] == [t for t, _ in whole] == [500 * i for i in range(14)]
    assert pieces == whole


def test_a_video_read_through_ranged_gets_is_the_same_video(resources) -> None:
    body = encode([solid(RED), solid(GREEN)], fmt="mov")
    video = uploaded("ranged.mov", body)
    with (
        open_object(
            boto3.client("s3"),
            BUCKET,
            video.key,
            version_id=video.version_id, size=len(body),
            buffer_bytes=999,
        ) as file,
        Video(file) as opened,
    ):
        assert opened.info.duration_ms == 2000
        ranged = [(f.timestamp_ms, f.jpeg) for f in opened.frames(1, 1, None)]
    with Video(io.BytesIO(body)) as local:
        assert ranged == [(f.timestamp_ms, f.jpeg) for f in local.frames(1)][1:]


def test_a_truncated_video_is_reported_not_crashed() -> None:
    body = encode([solid(RED), solid(GREEN)])
    with pytest.raises(VideoProblem), Video(io.BytesIO(body[: len(body) // 3])) as video:
        list(video.frames(1))


class RefusingStepFunctions:
    def __init__(self, code: str) -> None:
        self.code = code

    def start_execution(self, **_request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "StartExecution")


def test_an_execution_that_already_ran_counts_as_started_and_other_refusals_are_retried() -> None:
    video = ImageVersion("b", "uploads/a.mp4", "v1", "v1", 10, None)
    batch = LongVideos(RefusingStepFunctions("ExecutionAlreadyExists"), "arn:machine")
    assert batch.start(video) == execution_name(video)
    with pytest.raises(TransientProblem, match="ThrottlingException"):
        LongVideos(RefusingStepFunctions("ThrottlingException"), "arn:machine").start(video)


def test_execution_names_are_valid_and_differ_per_version() -> None:
    long_key = "uploads/" + "très long nom de fichier (copie) " * 5 + ".mp4"
    first = execution_name(ImageVersion("b", long_key, "v1", "v1", 1, None))
    second = execution_name(ImageVersion("b", long_key, "v2", "v2", 1, None))
    assert first != second
    for name in (first, second):
        assert len(name) <= 80 and re.fullmatch(r"[A-Za-z0-9_-]+", name)
