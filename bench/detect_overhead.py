"""Detect path overhead: the work around DetectCustomLabels per image, as a ratio to one bare boto3
call in the same process (both on moto in-process, so the ratio is "how many plain AWS calls' worth
of work the pipeline adds per image"), plus the detect handler module's cold import time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

import boto3
from botocore.stub import Stubber
from moto import mock_aws

from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.events import images_in_message
from customlabels.inference.model_start import ModelStarter

ROOT = Path(__file__).resolve().parent.parent
IMAGES = 200
BUCKET = "bench-uploads"
MODEL_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/p/version/p.v1/1"


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (256, 192), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _cold_import_seconds() -> float:
    code = "import time; t=time.perf_counter(); import handlers.detect; print(time.perf_counter()-t)"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}", "POWERTOOLS_TRACE_DISABLED": "true"}
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return median(runs)


def run() -> None:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        boto3.client("dynamodb").create_table(
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
        body = _png()
        messages = []
        for index in range(IMAGES):
            etag = s3.put_object(Bucket=BUCKET, Key=f"uploads/{index}.png", Body=body)["ETag"].strip('"')
            record = {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": BUCKET}, "object": {"key": f"uploads/{index}.png", "eTag": etag}},
            }
            messages.append(json.dumps({"Records": [record]}))
        rekognition = boto3.client("rekognition")
        stub = Stubber(rekognition)
        for _ in range(IMAGES):
            stub.add_response("detect_custom_labels", {"CustomLabels": [{"Name": "x", "Confidence": 90.0}]})
        stub.activate()
        analyzer = Analyzer(
            s3=s3,
            rekognition=rekognition,
            results_table=boto3.resource("dynamodb").Table("results"),
            champions=ChampionCache(
                lambda: {"versionArn": MODEL_ARN, "versionName": "p.v1"}, ttl_seconds=60, project="p"
            ),
            starter=ModelStarter(
                rekognition, min_inference_units=1, max_inference_units=1, interval_seconds=60
            ),
            settings=Settings(min_confidence=None, start_stopped_model=True, model_retry_seconds=60),
        )
        started = time.perf_counter()
        for message in messages:
            for image in images_in_message(message):
                analyzer.analyse(image)
        per_image = (time.perf_counter() - started) / IMAGES
        started = time.perf_counter()
        for index in range(IMAGES):
            s3.head_object(Bucket=BUCKET, Key=f"uploads/{index}.png")
        bare = (time.perf_counter() - started) / IMAGES
    cold = _cold_import_seconds()
    print(f"detect path per image (Rekognition stubbed): {per_image * 1000:.2f} ms")
    print(f"bare boto3 call (s3.head_object):            {bare * 1000:.2f} ms")
    print(f"overhead ratio: {per_image / bare:.1f}x a bare call")
    print(f"handlers.detect cold import: {cold * 1000:.0f} ms")
