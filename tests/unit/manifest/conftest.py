"""Fixtures: moto S3 with real Pillow-made images, and manifest files built from line dicts."""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from customlabels.manifest.builders import Box, bounding_box_line, image_level_line, to_json_line

BUCKET = "images"
MANIFESTS = "manifests"


def image_bytes(fmt: str, width: int, height: int, *, noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", (width, height), random.Random(1).randbytes(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    image.save(out, fmt, **({"compress_level": 0} if fmt == "PNG" else {}))
    return out.getvalue()


def cls(name: str, label: str = "cat", **kwargs) -> dict:
    return image_level_line(f"s3://{BUCKET}/{name}", [label], creation_date="2024-01-01T00:00:00", **kwargs)


def det(name: str, boxes: list[Box] | None = None, width: int = 640, height: int = 480) -> dict:
    boxes = [Box("car", 10, 10, 100, 80)] if boxes is None else boxes
    return bounding_box_line(
        f"s3://{BUCKET}/{name}", width, height, boxes, creation_date="2024-01-01T00:00:00"
    )


def manifest_text(lines: list[dict | str]) -> str:
    return "".join((line if isinstance(line, str) else to_json_line(line)) + "\n" for line in lines)


@pytest.fixture
def write_manifest(tmp_path):
    def write(lines: list[dict | str], name: str = "train.manifest") -> str:
        path = os.path.join(tmp_path, name)
        with open(path, "w", encoding="utf-8") as out:
            out.write(manifest_text(lines))
        return path

    return write


@pytest.fixture(scope="module")
def s3() -> Iterator[object]:
    """One moto S3 per test module (starting moto per test is slow); tests use their own keys."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            client = boto3.client("s3", region_name="us-east-1")
            client.create_bucket(Bucket=BUCKET)
            client.create_bucket(Bucket=MANIFESTS)
            yield client


@pytest.fixture
def put_image(s3):
    def put(name: str, fmt: str = "JPEG", width: int = 320, height: int = 240, **kwargs) -> str:
        s3.put_object(Bucket=BUCKET, Key=name, Body=image_bytes(fmt, width, height, **kwargs))
        return f"s3://{BUCKET}/{name}"

    return put


@pytest.fixture
def put_manifest(s3):
    def put(lines: list[dict | str], key: str = "train.manifest") -> str:
        s3.put_object(Bucket=MANIFESTS, Key=key, Body=manifest_text(lines).encode())
        return f"s3://{MANIFESTS}/{key}"

    return put


def codes_of(report, dataset: str = "training") -> dict[int, tuple[str, ...]]:
    return {o.line_number: o.codes for o in getattr(report, dataset).outcomes if o.codes}


def load_lines(lines) -> list[dict]:
    return [json.loads(line) for line in lines]
