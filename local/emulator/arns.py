"""ARN formats of the service (spec 06 §0) and the pieces callers parse out of them."""

from __future__ import annotations

import re
import time

from local.emulator.errors import InvalidParameterException

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.\-]{1,255}$")
_PROJECT = re.compile(r"^arn:aws:rekognition:([a-z0-9-]+):(\d{12}):project/([a-zA-Z0-9_.\-]{1,255})/(\d+)$")


def epoch_millis() -> int:
    return time.time_ns() // 1_000_000


def project_arn(region: str, account: str, name: str, stamp: int) -> str:
    return f"arn:aws:rekognition:{region}:{account}:project/{name}/{stamp}"


def dataset_arn(region: str, account: str, project: str, dataset_type: str, stamp: int) -> str:
    return f"arn:aws:rekognition:{region}:{account}:project/{project}/dataset/{dataset_type.lower()}/{stamp}"


def version_arn(region: str, account: str, project: str, version: str, stamp: int) -> str:
    return f"arn:aws:rekognition:{region}:{account}:project/{project}/version/{version}/{stamp}"


def require_name(value: str, field: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise InvalidParameterException(
            f"{field} '{value}' is invalid: use 1-255 characters from a-z, A-Z, 0-9, '_', '.' and '-'."
        )
    return value


def require_project_arn(value: str) -> str:
    if not isinstance(value, str) or not _PROJECT.match(value):
        raise InvalidParameterException(
            f"ProjectArn '{value}' is not a project ARN "
            "(arn:aws:rekognition:<region>:<account>:project/<name>/<digits>)."
        )
    return value


def region_and_account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[3], parts[4]
