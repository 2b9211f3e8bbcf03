"""Video on upload, on the synthesized stack deployed locally: an mp4 of digits shown one per second
gets a timeline whose segments name each digit at its second; a corrupt mp4 gets an error result
without retries. Frames go through the detect function's own path (S3 -> SQS -> detect -> results)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from customlabels.training.registry import Registry
from local.samples import digit_samples, ensure_bucket, write_samples
from local.stack import LocalStack
from tests.e2e.harness import train_directly, until, version_status
from tests.fixtures.videos import digit_pictures, encode

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT = "customlabels"
DIGITS = "3817"  # distinct digits: no two seconds of one digit for the gap rule to join
STEADY_SECONDS = 30


@pytest.fixture(scope="module")
def stack(deployed_stack: LocalStack) -> Iterator[LocalStack]:
    """The stack with a digits model trained, made champion and running."""
    s3, rekognition = deployed_stack.client("s3"), deployed_stack.client("rekognition")
    console = deployed_stack.outputs["ConsoleBucketName"]
    ensure_bucket(s3, console)
    manifests = write_samples(s3, digit_samples(100), console, f"datasets/{PROJECT}")
    version_arn = train_directly(rekognition, manifests, PROJECT, "v1", f"s3://{console}/training-output/")
    Registry(
        deployed_stack.outputs["RegistryTableName"],
        deployed_stack.session.resource("dynamodb", endpoint_url=deployed_stack.endpoint_url),
    ).set_champion(PROJECT, "v1", version_arn, 0.9)
    rekognition.start_project_version(ProjectVersionArn=version_arn, MinInferenceUnits=1)
    project_arn = version_arn.split("/version/")[0]
    until(lambda: version_status(rekognition, project_arn, "v1") == "RUNNING", 120, "the model to run")
    deployed_stack.version_arn = version_arn  # type: ignore[attr-defined]
    yield deployed_stack


def upload(stack: LocalStack, key: str, body: bytes) -> None:
    bucket = stack.outputs["InferenceBucketName"]
    stack.client("s3").put_object(Bucket=bucket, Key=f"uploads/{key}", Body=body)


def result(stack: LocalStack, key: str) -> dict[str, Any]:
    found = stack.client("s3").get_object(Bucket=stack.outputs["InferenceBucketName"], Key=key)
    return json.loads(found["Body"].read())


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def test_digits_shown_one_per_second_give_segments_naming_each_digit_at_its_second(stack) -> None:
    upload(stack, "clips/digits.mp4", encode(digit_pictures(DIGITS)))
    upload(stack, "clips/steady.MOV", encode(digit_pictures("5") * STEADY_SECONDS, fmt="mov"))
    assert stack.sources.wait_until_drained(120), "the upload queue did not drain"

    document = result(stack, "results/clips/digits.mp4.json")
    assert document["status"] == "SUCCEEDED", document.get("error")
    assert document["modelVersionArn"] == stack.version_arn
    assert document["frameCount"] == len(DIGITS) and document["durationMs"] == 1000 * len(DIGITS)
    assert [entry["timestampMs"] for entry in document["timeline"]] == [1000 * i for i in range(len(DIGITS))]
    for second, (digit, entry) in enumerate(zip(DIGITS, document["timeline"], strict=True)):
        best = max(entry["labels"], key=lambda label: label["confidence"])
        assert best["name"] == digit, (second, entry["labels"])
    segments = {(s["label"], s["startMs"], s["endMs"]) for s in document["segments"]}
    for second, digit in enumerate(DIGITS):
        assert (digit, 1000 * second, 1000 * second) in segments, document["segments"]

    steady = result(stack, "results/clips/steady.MOV.json")
    assert steady["frameCount"] == STEADY_SECONDS
    spans = {(s["label"], s["startMs"], s["endMs"]) for s in steady["segments"]}
    assert ("5", 0, 1000 * (STEADY_SECONDS - 1)) in spans
    rate = STEADY_SECONDS / seconds_between(steady["startedAt"], steady["finishedAt"])
    print(f"offline detect path: {rate:.1f} frames/s ({STEADY_SECONDS} frames: download, decode, detect)")


def test_a_corrupt_mp4_gets_an_error_result_and_is_not_retried(stack) -> None:
    before = stack.sources.invocations()
    upload(stack, "clips/broken.mp4", b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    assert stack.sources.wait_until_drained(60), "the upload queue did not drain"
    document = result(stack, "results/clips/broken.mp4.error.json")
    assert document["status"] == "FAILED" and document["error"]["code"] == "CORRUPT_VIDEO"
    assert stack.sources.invocations() - before == 1  # one delivery, consumed: no retry
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["DeadLetterQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
