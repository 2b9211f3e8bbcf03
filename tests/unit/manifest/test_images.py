"""Image checks against real Pillow-made objects in moto S3, reading only header bytes."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from customlabels.manifest import Status, probe_image, validate_manifests
from tests.unit.manifest.conftest import BUCKET, cls, codes_of, det


@pytest.mark.parametrize(
    ("fmt", "width", "height", "problem"),
    [
        ("PNG", 64, 64, None),
        ("JPEG", 64, 64, None),
        ("PNG", 4096, 205, None),
        ("JPEG", 205, 4096, None),
        ("PNG", 63, 100, "63x100"),
        ("JPEG", 100, 63, "100x63"),
        ("PNG", 4097, 300, "4097x300"),
        ("JPEG", 300, 4097, "300x4097"),
        ("PNG", 1280, 64, None),
        ("PNG", 1344, 64, "aspect ratio"),
    ],
)
def test_dimension_and_aspect_limits(s3, put_image, write_manifest, fmt, width, height, problem):
    put_image("a.img", fmt, width, height)
    report = validate_manifests(write_manifest([cls("a.img", "cat"), cls("b.img", "dog")]), s3=s3)
    probe = probe_image(s3, f"s3://{BUCKET}/a.img")
    assert (probe.format, probe.width, probe.height) == (fmt, width, height)
    line_codes = codes_of(report).get(1, ())
    if problem is None:
        assert line_codes == ()
    else:
        assert line_codes == ("ERROR_INVALID_IMAGE",)
        assert problem in report.training.code_lines["ERROR_INVALID_IMAGE"].details[0]


def test_localization_lines_get_invalid_image_dimension(s3, put_image, write_manifest):
    put_image("small.png", "PNG", 63, 63)
    put_image("gif.gif", "GIF", 100, 100)
    report = validate_manifests(write_manifest([det("small.png"), det("gif.gif")]), s3=s3)
    assert codes_of(report) == {1: ("ERROR_INVALID_IMAGE_DIMENSION",), 2: ("ERROR_INVALID_IMAGE",)}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "empty"),
        (random.Random(5).randbytes(5000), "not an image"),
        ("GIF", "GIF, not PNG or JPEG"),
        ("BMP", "BMP"),
        (b"\x89PNG\r\n\x1a\n", "no dimensions"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "no dimensions"),
    ],
)
def test_unusable_objects_are_invalid_images(s3, write_manifest, body, detail):
    if isinstance(body, str):
        out = io.BytesIO()
        Image.new("RGB", (100, 100)).save(out, body)
        body = out.getvalue()
    s3.put_object(Bucket=BUCKET, Key="x.jpg", Body=body)
    report = validate_manifests(write_manifest([cls("x.jpg")]), s3=s3)
    assert codes_of(report) == {1: ("ERROR_INVALID_IMAGE",)}
    assert detail in report.training.code_lines["ERROR_INVALID_IMAGE"].details[0]


def test_missing_object_is_an_invalid_image(s3, write_manifest):
    report = validate_manifests(write_manifest([cls("nothing-here.jpg")]), s3=s3)
    assert codes_of(report) == {1: ("ERROR_INVALID_IMAGE",)}
    detail = report.training.code_lines["ERROR_INVALID_IMAGE"].details[0]
    assert "no object exists" in detail and f"s3://{BUCKET}/nothing-here.jpg" in detail


@pytest.mark.slow
def test_16_mb_image_is_too_large_but_its_header_is_read_cheaply(s3, put_image, write_manifest):
    put_image("big.png", "PNG", 2400, 2400, noise=True)
    probe = probe_image(s3, f"s3://{BUCKET}/big.png")
    assert probe.size > 16 * 1024 * 1024 and probe.bytes_read <= 8192
    report = validate_manifests(write_manifest([cls("big.png")]), s3=s3)
    assert "over the 15 MB maximum" in report.training.code_lines["ERROR_INVALID_IMAGE"].details[0]


def test_jpeg_with_a_large_exif_segment_is_skipped_not_downloaded(s3):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "x" * 60_000  # ImageDescription: pushes SOF0 60 KB into the file
    Image.frombytes("RGB", (900, 700), random.Random(2).randbytes(900 * 700 * 3)).save(out, "JPEG", exif=exif)
    s3.put_object(Bucket=BUCKET, Key="exif.jpg", Body=out.getvalue())
    probe = probe_image(s3, f"s3://{BUCKET}/exif.jpg")
    assert (probe.format, probe.width, probe.height) == ("JPEG", 900, 700)
    assert probe.bytes_read < 16_384 < 60_000 < probe.size


def test_progressive_jpeg_dimensions(s3):
    out = io.BytesIO()
    Image.new("RGB", (321, 123)).save(out, "JPEG", progressive=True)
    s3.put_object(Bucket=BUCKET, Key="p.jpg", Body=out.getvalue())
    assert probe_image(s3, f"s3://{BUCKET}/p.jpg").width == 321


def test_skip_images_reads_no_image(s3, write_manifest):
    lines = [cls("n1.jpg"), cls("n2.jpg"), cls("n3.jpg", "dog"), cls("n4.jpg", "dog")]
    report = validate_manifests(write_manifest(lines), s3=s3, check_images=False)
    assert report.can_train and report.training.images.checked == 0


def test_image_checks_only_for_structurally_valid_lines(s3, put_image, write_manifest):
    put_image("a.jpg")
    bad = cls("a.jpg")
    bad["cat"] = "x"
    report = validate_manifests(write_manifest([bad, {"source-ref": f"s3://{BUCKET}/a.jpg"}]), s3=s3)
    assert report.training.images.checked == 0
    assert [o.status for o in report.training.outcomes] == [Status.INVALID, Status.INVALID]
