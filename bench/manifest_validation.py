"""Manifest validation speed and memory, and how little of each image the header probe reads.

1. Structure-only validation of a generated 250,000-line manifest (image-level and bounding-box lines,
   about 2% bad) by `validate_manifests(check_images=False)` against a baseline that parses each line
   and validates it with a JSON Schema compiled by fastjsonschema: same process, same file, best of 3.
2. Peak RSS of our validation alone (fresh interpreter).
3. Bytes read by the header probe vs object sizes for 1-3 MB JPEGs in (moto) S3.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

import fastjsonschema

from customlabels.manifest import json_line, validate_manifests
from customlabels.manifest.builders import Box, bounding_box_line, image_level_line, to_json_line

LINES = 250_000
TARGET_RATIO = 0.50
PARSER = (
    "stdlib json"
    if json_line._fast_decode is None
    else "msgspec typed fast path, msgspec then stdlib json for the rest"
)
BAD_FRACTION = 0.02
ROUNDS = 3
NUMBER = {"type": "number"}
BOX = {
    "type": "object",
    "required": ["class_id", "top", "left", "width", "height"],
    "properties": {
        "class_id": {"type": "integer"},
        "top": {"type": "number", "minimum": 0},
        "left": {"type": "number", "minimum": 0},
        "width": {"type": "number", "minimum": 0},
        "height": {"type": "number", "minimum": 0},
    },
}
SIDE = {"type": "number", "minimum": 64, "maximum": 4096}
BASELINE_SCHEMA = {
    "type": "object",
    "required": ["source-ref"],
    "properties": {"source-ref": {"type": "string", "pattern": "^s3://[^/]+/.+"}},
    "patternProperties": {
        "-metadata$": {
            "type": "object",
            "required": ["type", "human-annotated", "creation-date"],
            "properties": {
                "type": {"enum": ["groundtruth/image-classification", "groundtruth/object-detection"]},
                "human-annotated": {"enum": ["yes", "no"]},
                "creation-date": {"type": "string"},
                "job-name": {"type": "string"},
                "class-name": {"type": "string", "minLength": 1, "maxLength": 256},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "objects": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["confidence"],
                        "properties": {"confidence": NUMBER},
                    },
                },
                "class-map": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 256}},
            },
        }
    },
    "additionalProperties": {
        "anyOf": [
            {"type": "integer"},
            {
                "type": "object",
                "required": ["image_size", "annotations"],
                "properties": {
                    "image_size": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["width", "height", "depth"],
                            "properties": {"width": SIDE, "height": SIDE, "depth": NUMBER},
                        },
                    },
                    "annotations": {"type": "array", "maxItems": 50, "items": BOX},
                },
            },
        ]
    },
}


def _good_line(rng: random.Random, number: int) -> str:
    ref = f"s3://bench-images/set/{number:07d}.jpg"
    if number % 2:
        return to_json_line(
            image_level_line(ref, [f"label-{rng.randrange(40)}"], creation_date="2024-05-01T10:00:00.000")
        )
    boxes = [
        Box(
            f"object-{rng.randrange(20)}",
            rng.randrange(0, 300),
            rng.randrange(0, 200),
            rng.randrange(8, 300),
            rng.randrange(8, 200),
        )
        for _ in range(rng.randrange(1, 5))
    ]
    return to_json_line(bounding_box_line(ref, 640, 480, boxes, creation_date="2024-05-01T10:00:00"))


def _bad_line(rng: random.Random, number: int) -> str:
    line = _good_line(rng, number)
    kind = rng.randrange(4)
    if kind == 0:
        return line[:-3]  # truncated JSON
    if kind == 1:
        return line.replace('"source-ref"', '"source_ref"')
    if kind == 2:
        return line.replace("s3://", "https://")
    return line.replace('"human-annotated":"yes"', '"human-annotated":"maybe"')


def write_manifest(path: str, lines: int = LINES, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for number in range(1, lines + 1):
            line = _bad_line(rng, number) if rng.random() < BAD_FRACTION else _good_line(rng, number)
            out.write(line + "\n")


def baseline(path: str) -> int:
    validate = fastjsonschema.compile(BASELINE_SCHEMA)
    invalid = 0
    with open(path, encoding="utf-8") as manifest:
        for line in manifest:
            try:
                validate(json.loads(line))
            except (ValueError, fastjsonschema.JsonSchemaException):
                invalid += 1
    return invalid


def ours(path: str) -> int:
    with validate_manifests(path, check_images=False) as report:
        return report.training.invalid


def _best_times(functions, path: str) -> list[tuple[float, int]]:
    """Best CPU time of each function over ROUNDS interleaved rounds (CPU time: other load on the
    machine does not count against either side)."""
    best = [(float("inf"), 0)] * len(functions)
    for _ in range(ROUNDS):
        for index, function in enumerate(functions):
            started = time.process_time()
            found = function(path)
            best[index] = min(best[index], (time.process_time() - started, found))
    return best


def _isolated_peak_rss_mb(path: str) -> float:
    # VmHWM is the peak RSS of this process image; ru_maxrss would include the parent's from before exec.
    code = (
        "import sys; from bench.manifest_validation import ours; ours(sys.argv[1]); "
        "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code, path],
        check=True,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        env={**os.environ, "PYTHONPATH": os.pathsep.join(["lambdas", "."])},
    )
    return int(output.stdout.strip()) / 1024


def _jpeg(rng: random.Random, width: int, height: int, exif: bool) -> bytes:
    from PIL import Image

    noise = rng.randbytes(width * height * 3)
    image = Image.frombytes("RGB", (width, height), noise)
    out = io.BytesIO()
    extra = {"exif": Image.Exif().tobytes() + b"\x00" * 30_000} if exif else {}
    image.save(out, "JPEG", quality=92, **extra)
    return out.getvalue()


def probe_figures(count: int = 8) -> tuple[int, int, list[int]]:
    import boto3
    from moto import mock_aws

    from customlabels.manifest import probe_image

    rng = random.Random(3)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="probe")
        sizes, read = [], 0
        for index in range(count):
            side = rng.randrange(1300, 1900)
            body = _jpeg(rng, side, side * 3 // 4, exif=index % 2 == 0)
            s3.put_object(Bucket="probe", Key=f"{index}.jpg", Body=body)
            probe = probe_image(s3, f"s3://probe/{index}.jpg")
            assert probe.width == side and probe.format == "JPEG", probe
            sizes.append(probe.size)
            read += probe.bytes_read
    return read, sum(sizes), sizes


def run() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "bench.manifest")
        write_manifest(path)
        size_mb = os.path.getsize(path) / 1e6
        (base_time, base_invalid), (our_time, our_invalid) = _best_times((baseline, ours), path)
        rss = _isolated_peak_rss_mb(path)
    process_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"manifest: {LINES:,} lines, {size_mb:.0f} MB, ~{BAD_FRACTION:.0%} bad lines")
    print(
        f"baseline (json.loads + fastjsonschema): {LINES / base_time:,.0f} lines/s "
        f"({base_time:.2f} s, {base_invalid:,} invalid)"
    )
    print(
        f"ours (every rule, validation manifest spooled): {LINES / our_time:,.0f} lines/s "
        f"({our_time:.2f} s, {our_invalid:,} invalid)"
    )
    print(
        f"time ratio ours/baseline: {our_time / base_time:.2f}x (target <= {TARGET_RATIO:.2f}x; "
        f"line parser: {PARSER})"
    )
    print(f"peak RSS: ours alone {rss:.0f} MB (target <= 100 MB); this bench process {process_rss:.0f} MB")
    read, total, sizes = probe_figures()
    print(
        f"header probe: {len(sizes)} JPEGs of {min(sizes) / 1e6:.1f}-{max(sizes) / 1e6:.1f} MB, "
        f"read {read:,} of {total:,} bytes = {100 * read / total:.3f}% (target < 5%)"
    )
