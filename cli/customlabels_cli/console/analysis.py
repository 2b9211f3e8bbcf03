"""Try an image: DetectCustomLabels on a chosen version with the caller's credentials, for an uploaded
file or an S3 URI, with the labels and their boxes ready to draw."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.console.rendering import media_type

MAX_IMAGE_BYTES = 4 * 1024 * 1024  # DetectCustomLabels Image.Bytes limit


class AnalysisRefused(Exception):
    """The image cannot be analysed as asked; the message says why."""


@dataclass(frozen=True)
class Analysis:
    version: str
    image_src: str
    min_confidence: float | None
    labels: list[dict[str, Any]] = field(default_factory=list)


def _box(label: dict) -> dict | None:
    box = (label.get("Geometry") or {}).get("BoundingBox")
    if not box:
        return None
    return {key.lower(): round(box[key] * 100, 3) for key in ("Left", "Top", "Width", "Height")}


def image_bytes(upload: bytes | None, uri: str, s3: Any) -> tuple[bytes, dict]:
    """The image's bytes (to show it) and the DetectCustomLabels Image parameter."""
    if upload:
        if len(upload) > MAX_IMAGE_BYTES:
            raise AnalysisRefused("the file is larger than 4 MB, the limit for image bytes")
        return upload, {"Bytes": upload}
    if not is_s3_uri(uri):
        raise AnalysisRefused("choose a file or give an s3://bucket/key URI")
    location = parse_s3_uri(uri)
    try:
        data = s3.get_object(Bucket=location.bucket, Key=location.key)["Body"].read()
    except ClientError as error:
        raise AnalysisRefused(
            f"cannot read {uri}: {error.response['Error'].get('Message') or error}"
        ) from None
    return data, {"S3Object": {"Bucket": location.bucket, "Name": location.key}}


def analyse(
    rekognition: Any,
    s3: Any,
    version: str,
    version_arn: str,
    upload: bytes | None,
    uri: str,
    min_confidence: float | None,
) -> Analysis:
    data, image = image_bytes(upload, uri, s3)
    request: dict[str, Any] = {"ProjectVersionArn": version_arn, "Image": image}
    if min_confidence is not None:
        request["MinConfidence"] = min_confidence
    try:
        found = rekognition.detect_custom_labels(**request)["CustomLabels"]
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise AnalysisRefused(f"{detail.get('Code')}: {detail.get('Message')}") from None
    labels = [
        {"name": label["Name"], "confidence": label["Confidence"], "box": _box(label)}
        for label in sorted(found, key=lambda label: -label["Confidence"])
    ]
    source = f"data:{media_type(data)};base64,{base64.b64encode(data).decode()}"
    return Analysis(version, source, min_confidence, labels)
