"""Sample datasets made on the spot (nothing downloaded): PNG images plus train/test manifests.

digits: image-level labels from scikit-learn's bundled 8x8 digits, upscaled to 64x64 px.
noisy-digits: the same digits made hard (noise, 8/3 and 7/1 blended, some of their labels swapped).
shapes: object localization, circles/squares/triangles drawn on 128x128 px canvases with their boxes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from sklearn.datasets import load_digits

CREATED = "2024-01-01T00:00:00.000"
TEST_SHARE = 0.2
SHAPES = ("circle", "square", "triangle")
NOISY_COUNT = 500
NOISY_PAIRS = ((8, 3), (7, 1))  # (digit, the digit blended into it); each pair's labels overlap
NOISY_BLEND = 0.45
NOISY_LABEL_SWAP = 0.2  # share of a pair's images labelled as the other digit
NOISY_SIGMA = 40  # grey levels of pixel noise after upscaling


@dataclass(frozen=True)
class Sample:
    name: str
    png: bytes
    split: str  # "train" or "test"
    line: dict  # manifest line without source-ref


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _split(count: int, rng: np.random.Generator) -> np.ndarray:
    test = np.zeros(count, dtype=bool)
    test[rng.permutation(count)[: max(1, round(count * TEST_SHARE))]] = True
    return test


def _digit_images(count: int | None, seed: int) -> Iterator[tuple[int, np.ndarray, int, bool]]:
    """(index, 8x8 pixels 0-1, digit, is_test) in an order that covers every digit evenly at any count."""
    digits = load_digits()
    shuffled = np.random.default_rng(seed).permutation(len(digits.images))
    rank = np.empty(len(shuffled), dtype=int)
    for digit in range(10):  # interleave the classes so any count covers every digit evenly
        members = shuffled[digits.target[shuffled] == digit]
        rank[members] = np.arange(len(members))
    for index in sorted(shuffled, key=lambda index: rank[index])[:count]:
        is_test = rank[index] % 5 == 4  # every fifth round of ten digits: a stratified 20 %
        yield int(index), digits.images[index] / 16.0, int(digits.target[index]), bool(is_test)


def _upscaled(pixels: np.ndarray) -> np.ndarray:
    """8x8 pixels 0-1 as 64x64 grey levels 0-255."""
    gray = Image.fromarray((np.clip(pixels, 0, 1) * 255).astype(np.uint8), mode="L")
    return np.asarray(gray.resize((64, 64), Image.Resampling.BILINEAR), dtype=np.float64)


def _digit_sample(name: str, levels: np.ndarray, label: str, is_test: bool, job: str) -> Sample:
    image = Image.fromarray(np.clip(levels, 0, 255).astype(np.uint8), mode="L").convert("RGB")
    line = {
        "digit": 0,
        "digit-metadata": {
            "confidence": 1,
            "job-name": f"labeling-job/{job}",
            "class-name": label,
            "human-annotated": "yes",
            "creation-date": CREATED,
            "type": "groundtruth/image-classification",
        },
    }
    return Sample(name, _png(image), "test" if is_test else "train", line)


def digit_samples(count: int | None = None, seed: int = 7) -> Iterator[Sample]:
    for index, pixels, label, is_test in _digit_images(count, seed):
        yield _digit_sample(f"digit-{index:04d}.png", _upscaled(pixels), str(label), is_test, "digits")


def noisy_digit_samples(count: int | None = NOISY_COUNT, seed: int = 7) -> Iterator[Sample]:
    """Digits made hard on purpose, so a gate has something to decide: pixel noise, overlapping pairs
    (every 8 blended with a 3, every 7 with a 1) and a share of each pair labelled as the other
    (annotators who disagree). A model lands near F1 0.9 with the paired labels below 0.8."""
    rng = np.random.default_rng(seed)
    digits = load_digits()
    partners = {digit: other for pair in NOISY_PAIRS for digit, other in (pair, pair[::-1])}
    looks = {blended: digits.images[digits.target == like] / 16.0 for blended, like in NOISY_PAIRS}
    for index, pixels, label, is_test in _digit_images(count, seed):
        if label in looks:
            pixels = (1 - NOISY_BLEND) * pixels + NOISY_BLEND * looks[label][rng.integers(len(looks[label]))]
        if label in partners and rng.random() < NOISY_LABEL_SWAP:
            label = partners[label]
        levels = _upscaled(pixels) + rng.normal(0, NOISY_SIGMA, (64, 64))
        yield _digit_sample(f"noisy-{index:04d}.png", levels, str(label), is_test, "noisy-digits")


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], colour) -> None:
    left, top, size, _ = box
    corners = [left, top, left + size - 1, top + size - 1]
    if shape == "circle":
        draw.ellipse(corners, fill=colour)
    elif shape == "square":
        draw.rectangle(corners, fill=colour)
    else:
        draw.polygon(
            [(left + size / 2, top), (left, top + size - 1), (left + size - 1, top + size - 1)], fill=colour
        )


def _place(rng: np.random.Generator, taken: list[tuple[int, int, int, int]], side: int):
    for _ in range(50):
        size = int(rng.integers(24, 48))
        left, top = (int(v) for v in rng.integers(0, side - size, 2))
        box = (left, top, size, size)
        if all(
            left + size + 4 < other_left
            or other_left + other_size + 4 < left
            or top + size + 4 < other_top
            or other_top + other_size + 4 < top
            for other_left, other_top, other_size, _ in taken
        ):
            return box
    return None


def shape_samples(count: int = 150, seed: int = 11, side: int = 128) -> Iterator[Sample]:
    rng = np.random.default_rng(seed)
    is_test = _split(count, rng)
    for index in range(count):
        background = tuple(int(v) for v in rng.integers(170, 255, 3))
        noise = rng.normal(0, 6, (side, side, 3))
        image = Image.fromarray(
            np.clip(np.full((side, side, 3), background) + noise, 0, 255).astype(np.uint8)
        )
        draw = ImageDraw.Draw(image)
        boxes: list[tuple[int, int, int, int]] = []
        annotations = []
        for _ in range(int(rng.integers(1, 4))):
            box = _place(rng, boxes, side)
            if box is None:
                continue
            shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
            _draw_shape(draw, shape, box, tuple(int(v) for v in rng.integers(0, 140, 3)))
            boxes.append(box)
            annotations.append(
                {
                    "class_id": SHAPES.index(shape),
                    "left": box[0],
                    "top": box[1],
                    "width": box[2],
                    "height": box[3],
                }
            )
        line = {
            "bounding-box": {
                "image_size": [{"width": side, "height": side, "depth": 3}],
                "annotations": annotations,
            },
            "bounding-box-metadata": {
                "objects": [{"confidence": 1} for _ in annotations],
                "class-map": {
                    str(SHAPES.index(s)): s
                    for s in SHAPES
                    if any(a["class_id"] == SHAPES.index(s) for a in annotations)
                },
                "type": "groundtruth/object-detection",
                "human-annotated": "yes",
                "creation-date": CREATED,
                "job-name": "labeling-job/shapes",
            },
        }
        yield Sample(f"shape-{index:04d}.png", _png(image), "test" if is_test[index] else "train", line)


def write_samples(
    s3, samples: Iterator[Sample], bucket: str, prefix: str, progress: Callable[[int], None] | None = None
) -> dict[str, str]:
    """Upload images and manifests; returns the manifest URIs by split ("train", "test").
    ``progress`` is called with the number of images written so far, after each image."""
    prefix = prefix.strip("/")
    base = f"{prefix}/" if prefix else ""
    lines: dict[str, list[str]] = {"train": [], "test": []}
    for written, sample in enumerate(samples, 1):
        key = f"{base}images/{sample.name}"
        s3.put_object(Bucket=bucket, Key=key, Body=sample.png, ContentType="image/png")
        lines[sample.split].append(json.dumps({"source-ref": f"s3://{bucket}/{key}", **sample.line}))
        if progress:
            progress(written)
    uris = {}
    for split, split_lines in lines.items():
        key = f"{base}{split}.manifest"
        s3.put_object(Bucket=bucket, Key=key, Body=("\n".join(split_lines) + "\n").encode())
        uris[split] = f"s3://{bucket}/{key}"
    return uris


def bucket_exists(s3, bucket: str) -> bool:
    return bucket in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}


def ensure_bucket(s3, bucket: str) -> None:
    if not bucket_exists(s3, bucket):
        region = s3.meta.region_name
        config = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket, **config)


# kind -> (generator of `count` samples, default count), for `python -m local samples KIND`
SAMPLE_KINDS: dict[str, tuple[Callable[[int], Iterator[Sample]], int]] = {
    "digits": (digit_samples, 1797),
    "shapes": (shape_samples, 150),
    "noisy-digits": (noisy_digit_samples, NOISY_COUNT),
}
