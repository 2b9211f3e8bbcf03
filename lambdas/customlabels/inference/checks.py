"""Pre-flight check of an uploaded object before any Rekognition call (spec 01 §8.3, 05 §7).

Reuses the manifest engine's image-header probe and its image rule, so an image that validation
would reject for training is rejected the same way, with the same reason, at inference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customlabels.inference.errors import ImageProblem, TransientProblem
from customlabels.inference.events import ImageVersion
from customlabels.manifest.images import FirstRead, probe_image
from customlabels.manifest.rules import invalid_image

INVALID_IMAGE = "INVALID_IMAGE"
FIX = "upload a PNG or JPEG of at most 15 MB, 64-4096 px on each side, aspect ratio at most 20:1"


@dataclass(frozen=True)
class CheckedImage:
    """An object that passed the checks: format is PNG or JPEG and both sides are known."""

    format: str | None
    width: int | None
    height: int | None
    size: int


def check_image(s3: Any, image: ImageVersion, first: FirstRead | None = None) -> CheckedImage:
    """Raise ImageProblem (permanent) or TransientProblem (access denied, or S3 failing: retry).
    ``first``: the header bytes the caller already read from this version."""
    probe = probe_image(s3, f"s3://{image.bucket}/{image.key}", image.version_id, first)
    if probe.access_denied or probe.unreachable:
        raise TransientProblem(f"reading s3://{image.bucket}/{image.key} failed: {probe.error}")
    reason = invalid_image(probe)
    if reason:
        raise ImageProblem(INVALID_IMAGE, reason, FIX)
    return CheckedImage(format=probe.format, width=probe.width, height=probe.height, size=probe.size)
