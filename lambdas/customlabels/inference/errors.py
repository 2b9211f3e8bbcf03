"""Permanent vs transient failures of one image, and the queue back-off for transient ones.

Rule: a problem of the image itself is permanent (an error result, no retry). Everything else
(throttling, 5xx, a model that is not running yet, missing permissions, no champion model) is
transient: the message goes back to the queue with back-off and, after the receive limit, to the
dead-letter queue, whose alarm tells people. Nothing is dropped.
"""

from __future__ import annotations

import random

from botocore.exceptions import ClientError

MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS ceiling for ChangeMessageVisibility
THROTTLE_BASE_SECONDS = 1
THROTTLE_CAP_SECONDS = 900

# Rekognition errors that describe the image, not the service (spec 05 §7, §9.8).
IMAGE_ERRORS = {
    "InvalidImageFormatException": ("NOT_AN_IMAGE", "Rekognition cannot read the image format"),
    "ImageTooLargeException": ("IMAGE_TOO_LARGE", "Rekognition rejects the image as too large"),
}
MODEL_NOT_READY = "ResourceNotReadyException"
THROUGHPUT_EXCEEDED = "ProvisionedThroughputExceededException"


class ImageProblem(Exception):
    def __init__(self, code: str, reason: str, fix: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.fix = fix


class TransientProblem(Exception):
    """Retry later through the queue; ``base_seconds`` seeds the back-off."""

    def __init__(self, message: str, *, base_seconds: int = THROTTLE_BASE_SECONDS) -> None:
        super().__init__(message)
        self.base_seconds = base_seconds


class ModelNotRunning(TransientProblem):
    def __init__(self, version_arn: str, *, base_seconds: int) -> None:
        super().__init__(f"model {version_arn} is not running", base_seconds=base_seconds)
        self.version_arn = version_arn


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def classify_detect_error(error: ClientError) -> ImageProblem | None:
    """The image problem behind a DetectCustomLabels error, or None when it is worth retrying."""
    known = IMAGE_ERRORS.get(error_code(error))
    if known is None:
        return None
    code, reason = known
    message = error.response.get("Error", {}).get("Message", "")
    return ImageProblem(code, f"{reason}: {message}".rstrip(": "), "upload a PNG or JPEG within the limits")


def retry_delay(receive_count: int, base_seconds: int, *, cap_seconds: int = THROTTLE_CAP_SECONDS) -> int:
    """Exponential back-off with equal jitter: half the step fixed, half random, so a burst of
    throttled messages does not come back as the same burst."""
    step = min(cap_seconds, base_seconds * 2 ** max(0, receive_count - 1), MAX_VISIBILITY_SECONDS)
    return max(1, round(step / 2 + random.uniform(0, step / 2)))
