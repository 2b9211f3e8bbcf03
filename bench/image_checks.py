"""Pre-flight image checks at scale: 2,000 images checked by `validate_manifests` (header probes on
IMAGE_CHECK_WORKERS threads) against bare ranged GETs of the same objects on the same number of threads,
same (moto, in-process) S3 endpoint; throughput ratio, best of 3 interleaved rounds of wall time. The
structural pass is timed alone and subtracted, so the figure is the image checks' own."""

from __future__ import annotations

import io
import os
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from moto import mock_aws
from PIL import Image

from customlabels.manifest import validate_manifests
from customlabels.manifest.builders import image_level_line, to_json_line
from customlabels.manifest.images import FIRST_READ
from customlabels.manifest.sampling import IMAGE_BUDGET_SECONDS, IMAGES_PER_SECOND, plan_image_checks
from customlabels.manifest.validator import IMAGE_CHECK_WORKERS

IMAGES = 2_000
LABELS = 20
ROUNDS = 3
BUCKET = "bench-image-checks"
TARGET = 0.8
LAMBDA_MANIFEST_LINES = 250_000


def _jpeg(rng: random.Random) -> bytes:
    image = Image.frombytes("RGB", (160, 120), rng.randbytes(160 * 120 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _bare(s3, keys: list[str]) -> None:
    def get(key: str) -> int:
        return len(s3.get_object(Bucket=BUCKET, Key=key, Range=f"bytes=0-{FIRST_READ - 1}")["Body"].read())

    with ThreadPoolExecutor(IMAGE_CHECK_WORKERS) as pool:
        list(pool.map(get, keys))


def _ours(s3, path: str, check_images: bool) -> int:
    with validate_manifests(path, s3=s3, check_images=check_images) as report:
        return report.training.images.readable


def _wall(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def run() -> None:
    rng = random.Random(5)
    with mock_aws(), tempfile.TemporaryDirectory() as directory:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        keys = [f"set/{number:05d}.jpg" for number in range(IMAGES)]
        body = _jpeg(rng)
        for key in keys:
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        path = os.path.join(directory, "images.manifest")
        with open(path, "w", encoding="utf-8") as out:
            for number, key in enumerate(keys):
                out.write(
                    to_json_line(
                        image_level_line(
                            f"s3://{BUCKET}/{key}",
                            [f"label-{number % LABELS}"],
                            creation_date="2024-05-01T10:00:00",
                        )
                    )
                    + "\n"
                )
        assert _ours(s3, path, True) == IMAGES
        bare = ours = structure = float("inf")
        for _ in range(ROUNDS):
            bare = min(bare, _wall(_bare, s3, keys))
            structure = min(structure, _wall(_ours, s3, path, False))
            ours = min(ours, _wall(_ours, s3, path, True))
    checks = max(ours - structure, 1e-9)
    print(
        f"image checks: {IMAGES:,} images on {IMAGE_CHECK_WORKERS} threads: ours {IMAGES / checks:,.0f} "
        f"images/s ({checks:.2f} s, structure {structure:.2f} s subtracted), bare ranged GETs "
        f"{IMAGES / bare:,.0f} images/s ({bare:.2f} s)"
    )
    print(f"throughput ratio ours/bare: {bare / checks:.2f}x (target >= {TARGET:.2f}x)")
    plan = plan_image_checks(LAMBDA_MANIFEST_LINES * 200)
    seconds = LAMBDA_MANIFEST_LINES / IMAGES_PER_SECOND
    outcome = f"stratified sample of {plan.fraction:.0%}" if plan.sampled else "all checked"
    print(
        f"in the Lambda, at the planning rate of {IMAGES_PER_SECOND:.0f} images/s: "
        f"{LAMBDA_MANIFEST_LINES:,} images take {seconds:,.0f} s (budget {IMAGE_BUDGET_SECONDS:.0f} s): "
        f"{outcome}"
    )
