"""Try an image: DetectCustomLabels on a chosen version with the caller's credentials, for an uploaded
file or an S3 URI, with the labels and their boxes ready to draw. A file chosen for a version that is
not running is kept (in memory, the newest few) while the version starts, so it is analysed then
without being chosen again."""

from __future__ import annotations

import base64
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.console.rendering import media_type

MAX_IMAGE_BYTES = 4 * 1024 * 1024  # DetectCustomLabels Image.Bytes limit
KEPT_UPLOADS = 8
# What DetectCustomLabels analyses (spec 05, "Image limits and formats").
IMAGE_TYPES = {"image/png", "image/jpeg"}


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


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


class KeptUploads:
    """Files chosen while their version was not running, by a random id the page carries."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, Upload] = OrderedDict()

    def keep(self, upload: Upload) -> str:
        key = secrets.token_urlsafe(12)
        self._kept[key] = upload
        while len(self._kept) > KEPT_UPLOADS:
            self._kept.popitem(last=False)
        return key

    def get(self, key: str) -> Upload | None:
        return self._kept.get(key)


def require_image(data: bytes, name: str) -> None:
    if media_type(data) not in IMAGE_TYPES:
        raise AnalysisRefused(
            f"{name} is not a PNG or JPEG image: Custom Labels analyses PNG and JPEG files only; "
            "choose one of those"
        )


def image_bytes(upload: bytes | None, uri: str, s3: Any) -> tuple[bytes, dict]:
    """The image's bytes (to show it) and the DetectCustomLabels Image parameter."""
    if upload:
        if len(upload) > MAX_IMAGE_BYTES:
            raise AnalysisRefused("the file is larger than 4 MB, the limit for image bytes")
        require_image(upload, "the chosen file")
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
    require_image(data, uri)
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
