"""boto3 clients of any service with the SDK's standard retry mode: throttling and 5xx answers are
retried with exponential back-off inside the call; whatever still fails reaches the state machine's Retry."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
# DetectCustomLabels: one in-process retry smooths short throttling bursts; longer trouble goes back
# to the queue (upload path) or to the state machine's Retry (batch path).
REKOGNITION_RETRIES = Config(retries={"mode": "standard", "max_attempts": 2})


def client(service: str) -> Any:
    return boto3.client(service, config=RETRIES)


def dynamodb_resource() -> Any:
    return boto3.resource("dynamodb", config=RETRIES)
