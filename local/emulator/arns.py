"""ARN formats of the service (spec 06 §0) and the pieces callers parse out of them."""

from __future__ import annotations

import time


def epoch_millis() -> int:
    return time.time_ns() // 1_000_000


def project_arn(region: str, account: str, name: str, stamp: int) -> str:
    return f"arn:aws:rekognition:{region}:{account}:project/{name}/{stamp}"


def dataset_arn(region: str, account: str, project: str, dataset_type: str, stamp: int) -> str:
    return f"arn:aws:rekognition:{region}:{account}:project/{project}/dataset/{dataset_type.lower()}/{stamp}"


def version_arn(region: str, account: str, project: str, version: str, stamp: int) -> str:
    return f"arn:aws:rekognition:{region}:{account}:project/{project}/version/{version}/{stamp}"


def region_and_account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[3], parts[4]
