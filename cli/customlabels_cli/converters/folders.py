"""Folder names as labels, the way the console imports an S3 folder (spec 02 §4.1): an image under
`P/<child>/...` at any depth gets the label `<child>`; images directly under P get no label (skipped)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from customlabels.manifest.builders import image_level_line
from customlabels.s3uri import is_s3_uri, join_key, parse_s3_uri
from customlabels_cli.converters.conversion import Conversion, ConversionError, is_image

ATTRIBUTE = "folder-label"  # one attribute per line: a folder name never collides with reserved keys


def label_of(relative_key: str) -> str | None:
    head, sep, _ = relative_key.lstrip("/").partition("/")
    return head if sep and head else None


def convert_relative(items: Iterable[tuple[str, str]], job_name: str) -> Conversion:
    """items: (path relative to the top folder, the image's s3:// URI)."""
    conversion = Conversion()
    for relative, source_ref in sorted(items):
        if not is_image(relative):
            conversion.skipped.append((relative, "not a .jpg, .jpeg or .png image"))
            continue
        label = label_of(relative)
        if label is None:
            conversion.skipped.append((relative, "directly in the top folder, so it has no label folder"))
            continue
        conversion.lines.append(
            image_level_line(source_ref, [label], attribute_names=[ATTRIBUTE], job_name=job_name)
        )
    if not conversion.lines:
        raise ConversionError(
            "no labeled images found",
            "put each image in a subfolder named after its label, e.g. TOP/cat/1.jpg and TOP/dog/2.jpg",
        )
    return conversion


def s3_items(s3: Any, prefix_uri: str) -> list[tuple[str, str]]:
    prefix = parse_s3_uri(prefix_uri, require_key=False)
    key_prefix = join_key(prefix.key) + "/" if prefix.key.strip("/") else ""
    items = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=prefix.bucket, Prefix=key_prefix):
        for entry in page.get("Contents", []):
            if not entry["Key"].endswith("/"):
                items.append((entry["Key"][len(key_prefix) :], f"s3://{prefix.bucket}/{entry['Key']}"))
    return items


def local_items(directory: Path, s3_path: str) -> list[tuple[str, str]]:
    target = parse_s3_uri(s3_path, require_key=False)
    return [
        (
            path.relative_to(directory).as_posix(),
            f"s3://{target.bucket}/{join_key(target.key, path.relative_to(directory).as_posix())}",
        )
        for path in directory.rglob("*")
        if path.is_file()
    ]


def convert_folders(
    source: str, *, s3_path: str | None = None, s3: Any = None, job_name: str = "customlabels-convert/folders"
) -> Conversion:
    if is_s3_uri(source):
        if s3 is None:
            import boto3

            s3 = boto3.client("s3")
        return convert_relative(s3_items(s3, source), job_name)
    directory = Path(source)
    if not directory.is_dir():
        raise ConversionError(f"{source} is neither an s3:// prefix nor a local folder",
                              "give the folder holding one subfolder per label, or its s3:// prefix")
    if not s3_path:
        raise ConversionError(
            f"{source} is a local folder, and a manifest names images in S3",
            "pass --s3-path s3://BUCKET/PREFIX/ where its images are (or will be) uploaded, "
            "e.g. with aws s3 sync",
        )
    return convert_relative(local_items(directory, s3_path), job_name)
