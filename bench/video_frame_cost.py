"""Video frame cost: the detect path's own work per sampled frame (download, decode, JPEG) on a
720p30 H.264 clip sampled at 1 frame/s, with DetectCustomLabels answered instantly (moto S3
in-process). On AWS a frame costs this (scaled to the function's CPU share) plus the call's latency
``detectLatencySeconds``: the figure behind the long-video margin (docs/inference.md, Video on upload)."""

from __future__ import annotations

import os
import time
from statistics import median
from typing import Any

import boto3
import numpy as np
from moto import mock_aws

from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.events import ImageVersion
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.video import VideoAnalyzer, VideoSettings
from tests.fixtures.videos import encode

SECONDS = 20
FPS = 30
WIDTH, HEIGHT = 1280, 720
RUNS = 3
BUCKET = "bench-videos"
MODEL = {
    "versionArn": "arn:aws:rekognition:us-east-1:123456789012:project/p/version/p.v1/1",
    "versionName": "v1",
}


class _InstantModel:
    def detect_custom_labels(self, **_request: Any) -> dict[str, Any]:
        return {"CustomLabels": [{"Name": "thing", "Confidence": 90.0}]}


def _clip() -> bytes:
    """A moving pattern with noise: every frame differs, as in camera footage (worst for the decoder)."""
    generator = np.random.default_rng(7)
    rows, columns = np.mgrid[0:HEIGHT, 0:WIDTH]
    pictures = []
    for second in range(SECONDS):
        base = ((rows + columns + 40 * second) % 256).astype(np.uint8)
        noise = generator.integers(0, 48, (HEIGHT, WIDTH), dtype=np.uint8)
        pictures.append(np.stack([base, base // 2 + noise, 255 - base], axis=-1))
    return encode(pictures, fps=FPS)


def run() -> None:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    body = _clip()
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        etag = s3.put_object(Bucket=BUCKET, Key="uploads/clip.mp4", Body=body)["ETag"].strip('"')
        table = boto3.resource("dynamodb").create_table(
            TableName="results",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "image", "KeyType": "HASH"},
                {"AttributeName": "version", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "image", "AttributeType": "S"},
                {"AttributeName": "version", "AttributeType": "S"},
            ],
        )
        model = _InstantModel()
        analyzer = Analyzer(
            s3=s3,
            rekognition=model,
            results_table=table,
            champions=ChampionCache(lambda: MODEL, ttl_seconds=3600, project="p"),
            starter=ModelStarter(model, min_inference_units=1, max_inference_units=1, interval_seconds=60),
            settings=Settings(min_confidence=None, start_stopped_model=False, model_retry_seconds=60),
        )
        videos = VideoAnalyzer(
            analyzer=analyzer,
            s3=s3,
            settings=VideoSettings(frames_per_second=1, max_frames=10_000, max_bytes=10**9),
            long_videos=None,  # never long here: 20 frames within a budget of 10,000
        )
        video = ImageVersion(BUCKET, "uploads/clip.mp4", etag, None, len(body), None)
        seconds = []
        for _ in range(RUNS):
            started = time.perf_counter()
            outcome = videos.analyse(video)
            seconds.append(time.perf_counter() - started)
            assert outcome.status == "SUCCEEDED", outcome
    per_frame = [run_seconds / SECONDS for run_seconds in seconds]
    print(
        f"{WIDTH}x{HEIGHT} H.264 {FPS} frames/s, {SECONDS} s ({len(body) / 1e6:.1f} MB) sampled at "
        "1 frame/s: "
        f"{median(per_frame):.3f} s per sampled frame (median of {RUNS}; max {max(per_frame):.3f} s) "
        "for download, decode and JPEG, DetectCustomLabels answered instantly"
    )
