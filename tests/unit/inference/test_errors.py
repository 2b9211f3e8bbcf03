from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from customlabels.inference.errors import (
    THROTTLE_CAP_SECONDS,
    classify_detect_error,
    retry_delay,
)


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DetectCustomLabels")


@pytest.mark.parametrize("code", ["InvalidImageFormatException", "ImageTooLargeException"])
def test_image_errors_from_rekognition_are_permanent(code: str) -> None:
    problem = classify_detect_error(client_error(code, "bad image"))
    assert problem is not None and "bad image" in problem.reason


@pytest.mark.parametrize(
    "code",
    [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "AccessDeniedException",
        "InvalidS3ObjectException",
        "ResourceNotReadyException",
    ],
)
def test_service_and_permission_errors_are_retried(code: str) -> None:
    assert classify_detect_error(client_error(code)) is None


def test_back_off_grows_with_each_receive_and_stays_within_the_cap() -> None:
    for count in range(1, 12):
        step = min(THROTTLE_CAP_SECONDS, 2 ** (count - 1))
        delays = {retry_delay(count, 1) for _ in range(50)}
        assert all(max(1, step // 2) <= delay <= step for delay in delays), (count, delays)
    assert retry_delay(40, 60) <= THROTTLE_CAP_SECONDS


def test_back_off_is_jittered_so_a_throttled_burst_spreads_out() -> None:
    assert len({retry_delay(6, 1) for _ in range(50)}) > 1
