"""What Lambda sends to a stream mapping's on-failure destination when it skips a batch.

The invocation record of "Retaining discarded batches for a DynamoDB event source in Lambda" (AWS
Lambda Developer Guide: https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html):
``requestContext``, ``responseContext``, ``version``, ``timestamp`` and ``DDBStreamBatchInfo`` (the shard,
the first and last sequence numbers, the batch size and the stream), never the records themselves.
Powertools models the same record (``DynamoDBStreamLambdaOnFailureDestinationModel``); the tests check
this one against it.
Lambda sends it with the function's execution role (sqs:SendMessage or sns:Publish on the destination).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class _Mapping(Protocol):
    function_arn: str
    stream_arn: str
    on_failure: str | None


@dataclass(frozen=True)
class FailedBatch:
    records: list[dict[str, Any]]
    shard_id: str
    condition: str  # RetryAttemptsExhausted or RecordAgeExceeded
    invoke_count: int
    response: dict[str, Any]  # the last Invoke response


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def invocation_record(failed: FailedBatch, mapping: _Mapping) -> dict[str, Any]:
    first, last = failed.records[0]["dynamodb"], failed.records[-1]["dynamodb"]
    response = failed.response
    response_context = {"statusCode": response.get("StatusCode", 200), "executedVersion": "$LATEST"}
    if "FunctionError" in response:
        response_context["functionError"] = response["FunctionError"]
    return {
        "requestContext": {
            "requestId": response.get("ResponseMetadata", {}).get("RequestId", ""),
            "functionArn": mapping.function_arn,
            "condition": failed.condition,
            "approximateInvokeCount": failed.invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": failed.shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(first["ApproximateCreationDateTime"]),
            "approximateArrivalOfLastRecord": _iso(last["ApproximateCreationDateTime"]),
            "batchSize": len(failed.records),
            "streamArn": mapping.stream_arn,
        },
    }


def send_failed_batch(failed: FailedBatch, mapping: _Mapping, client: Any) -> None:
    """`client`: an SQS or SNS client (for the destination's service) acting as the function's role."""
    destination = mapping.on_failure or ""
    body = json.dumps(invocation_record(failed, mapping))
    service, _, account, name = destination.split(":")[2:6]
    if service == "sns":
        client.publish(TopicArn=destination, Message=body)
        return
    client.send_message(QueueUrl=f"{client.meta.endpoint_url}/{account}/{name}", MessageBody=body)
