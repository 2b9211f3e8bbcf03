"""source-ref: `s3://` + a bucket name S3 accepts + `/` + a non-empty key of any UTF-8 (<= 1,024 bytes)."""

from __future__ import annotations

import pytest

from customlabels.manifest import validate_line, validate_manifests
from customlabels.manifest.builders import to_json_line
from tests.unit.manifest.conftest import cls

ZWSP, PRIVATE_USE = "\u200b", "\uf025"


def ref_codes(ref: object) -> tuple[str, ...]:
    line = cls("a.jpg")
    line["source-ref"] = ref
    return validate_line(to_json_line(line)).codes


@pytest.mark.parametrize("key", [
    f"photos/cat{ZWSP}01.jpg", f"{PRIVATE_USE}scan.png", "dir with spaces/ünïcödé/猫.jpg", "a\tb\nc.jpg",
    "x" * 1024, "€" * 341,  # 1,023 bytes
])
def test_any_utf8_key_up_to_1024_bytes_is_valid(key):
    assert ref_codes(f"s3://my-bucket.images/{key}") == ()


@pytest.mark.parametrize("ref", [
    "s3://my-bucket/" + "x" * 1025, "s3://my-bucket/" + "€" * 342,  # 1,026 bytes
    "s3://my-bucket/bad\ud800.jpg",  # a lone surrogate is no UTF-8
    "s3://ab/a.jpg", "s3://" + "a" * 64 + "/a.jpg", "s3://My-Bucket/a.jpg", "s3://my_bucket/a.jpg",
    "s3://-bucket/a.jpg", "s3://bucket-/a.jpg", "s3://my..bucket/a.jpg", "s3://192.168.1.4/a.jpg",
    "s3://my-bucket/", "s3://my-bucket", "s3:///a.jpg", "https://my-bucket/a.jpg",
])
def test_refs_s3_would_not_take_are_invalid(ref):
    assert ref_codes(ref) == ("ERROR_INVALID_SOURCE_REF_FORMAT",)


def test_a_manifest_of_zero_width_and_private_use_keys_validates(write_manifest):
    """The Ground Truth output that was rejected on 113 of 119 lines."""
    lines = []
    for number in range(119):
        line = cls("x.jpg", "cat" if number % 2 else "dog")
        line["source-ref"] = f"s3://gt-output-bucket/job/{PRIVATE_USE}img{ZWSP}{number:03d}.jpg"
        lines.append(line)
    with validate_manifests(write_manifest(lines), check_images=False) as report:
        assert report.can_train and report.training.valid == 119 and not report.training.code_lines
