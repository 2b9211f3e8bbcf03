"""A DynamoDB Streams record (as GetRecords returns it through boto3) shaped as Lambda sends it.

The record of a Lambda event is the stream record in JSON: binary values base64 text,
``ApproximateCreationDateTime`` in epoch seconds, plus ``eventSourceARN``, the stream's ARN (sample
event in "Using AWS Lambda with Amazon DynamoDB", AWS Lambda Developer Guide:
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    return {**_json(raw), "eventSourceARN": stream_arn}
