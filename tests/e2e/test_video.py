"""Video on upload, on the synthesized stack deployed locally: an mp4 of digits shown one per second
gets a timeline whose segments name each digit at its second; a corrupt mp4 gets an error result
without retries. Frames go through the detect function's own path (S3 -> SQS -> detect -> results).
A video longer than one run's frame budget (lowered here through the functions' environment) goes
through the batch-analysis state machine in frame chunks and gets the same result format."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
import pytest
from PIL import Image

from customlabels.training.registry import Registry
from local.samples import digit_samples, ensure_bucket, write_samples
from local.stack import DeployedStack
from tests.e2e.harness import train_directly, until, version_status
from tests.fixtures.videos import encode

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT = "customlabels"
DIGITS = "3817"  # distinct digits: no two seconds of one digit for the gap rule to join
STEADY_SECONDS = 30
STEADY_DIGIT = "5"
# 20 s of video, 8 frames per run and per chunk: 3 chunks cut at 8 s and 16 s, inside the "8" and "7"
LONG_VIDEO = [("3", 6), ("8", 5), (STEADY_DIGIT, 4), ("7", 5)]
FRAMES_PER_RUN = 8


@pytest.fixture(scope="module")
def stack(deployed_stack: DeployedStack) -> Iterator[DeployedStack]:
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
    [project] = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    project_arn = project["ProjectArn"]
    until(lambda: version_status(rekognition, project_arn, "v1") == "RUNNING", 120, "the model to run")
    deployed_stack.version_arn = version_arn  # type: ignore[attr-defined]
    deployed_stack.pictures = recognised_pictures(rekognition, version_arn)  # type: ignore[attr-defined]
    yield deployed_stack


def recognised_pictures(rekognition: Any, version_arn: str) -> dict[str, np.ndarray]:
    """Per digit of the videos, a sample picture the model labels as that digit when sent as an image
    (a small model does not know every sample): the video must then name the digit the same way."""
    found: dict[str, np.ndarray] = {}
    for sample in digit_samples(100):
        digit = sample.line["digit-metadata"]["class-name"]
        if digit not in DIGITS + STEADY_DIGIT or digit in found:
            continue
        labels = rekognition.detect_custom_labels(ProjectVersionArn=version_arn, Image={"Bytes": sample.png})
        if [label["Name"] for label in labels["CustomLabels"]][:1] == [digit]:
            found[digit] = np.asarray(Image.open(io.BytesIO(sample.png)).convert("RGB"))
    assert set(found) == set(DIGITS + STEADY_DIGIT), f"the model recognises only {sorted(found)}"
    return found


def upload(stack: DeployedStack, key: str, body: bytes) -> None:
    bucket = stack.outputs["InferenceBucketName"]
    stack.client("s3").put_object(Bucket=bucket, Key=f"uploads/{key}", Body=body)


def result(stack: DeployedStack, key: str) -> dict[str, Any]:
    found = stack.client("s3").get_object(Bucket=stack.outputs["InferenceBucketName"], Key=key)
    return json.loads(found["Body"].read())


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def test_digits_shown_one_per_second_give_segments_naming_each_digit_at_its_second(stack) -> None:
    upload(stack, "clips/digits.mp4", encode([stack.pictures[digit] for digit in DIGITS]))
    upload(stack, "clips/steady.MOV", encode([stack.pictures[STEADY_DIGIT]] * STEADY_SECONDS, fmt="mov"))
    assert stack.sources.wait_until_drained(120), "the upload queue did not drain"

    document = result(stack, "results/clips/digits.mp4.json")
    assert document["status"] == "SUCCEEDED", document.get("error")
    assert document["modelVersionArn"] == stack.version_arn
    assert document["frameCount"] == len(DIGITS) and document["durationMs"] == 1000 * len(DIGITS)
    assert [entry["timestampMs"] for entry in document["timeline"]] == [1000 * i for i in range(len(DIGITS))]
    for second, (digit, entry) in enumerate(zip(DIGITS, document["timeline"], strict=True)):
        assert [label["name"] for label in entry["labels"]][:1] == [digit], (second, entry["labels"])
    segments = {(s["label"], s["startMs"], s["endMs"]) for s in document["segments"]}
    for second, digit in enumerate(DIGITS):
        assert (digit, 1000 * second, 1000 * second) in segments, document["segments"]

    steady = result(stack, "results/clips/steady.MOV.json")
    assert steady["frameCount"] == STEADY_SECONDS
    spans = {(s["label"], s["startMs"], s["endMs"]) for s in steady["segments"]}
    assert (STEADY_DIGIT, 0, 1000 * (STEADY_SECONDS - 1)) in spans
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


def set_environment(stack: DeployedStack, name_part: str, **variables: str) -> None:
    """Change one deployed function's environment (a fresh handler module is loaded for it)."""
    lambdas = stack.client("lambda")
    [name] = [
        function["FunctionName"]
        for function in lambdas.list_functions()["Functions"]
        if name_part in function["FunctionName"]
    ]
    current = lambdas.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lambdas.update_function_configuration(
        FunctionName=name, Environment={"Variables": {**current, **variables}}
    )


def test_a_long_video_is_analysed_in_chunks_by_the_batch_machine_which_starts_and_stops_the_model(
    stack,
) -> None:
    rekognition = stack.client("rekognition")
    rekognition.stop_project_version(ProjectVersionArn=stack.version_arn)
    [project] = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    project_arn = project["ProjectArn"]
    until(lambda: version_status(rekognition, project_arn, "v1") == "STOPPED", 60, "the model to stop")
    set_environment(stack, "InferenceDetect", VIDEO_MAX_FRAMES=str(FRAMES_PER_RUN))
    set_environment(stack, "PrepareBatch", VIDEO_FRAMES_PER_CHUNK=str(FRAMES_PER_RUN))

    pictures = [stack.pictures[digit] for digit, seconds in LONG_VIDEO for _ in range(seconds)]
    upload(stack, "clips/long.mp4", encode(pictures, keyframe_every=20))
    assert stack.sources.wait_until_drained(60), "the upload queue did not drain"
    sfn = stack.client("stepfunctions")
    machine = stack.outputs["BatchAnalysisStateMachineArn"]
    [execution] = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert execution["name"].startswith("video-long-mp4-")
    until(
        lambda: sfn.describe_execution(executionArn=execution["executionArn"])["status"] != "RUNNING",
        240,
        "the batch analysis of the long video",
    )
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described.get("cause")
    summary = json.loads(described["output"])
    assert summary["chunks"] == 3 and summary["status"] == "SUCCEEDED"

    document = result(stack, "results/clips/long.mp4.json")
    assert document["modelVersionArn"] == stack.version_arn
    assert document["frameCount"] == len(pictures) and document["durationMs"] == 1000 * len(pictures)
    timestamps = [entry["timestampMs"] for entry in document["timeline"]]
    assert timestamps == [1000 * second for second in range(len(pictures))]
    spans, start = [], 0
    for digit, seconds in LONG_VIDEO:
        spans.append((digit, 1000 * start, 1000 * (start + seconds - 1)))
        start += seconds
    found = {(s["label"], s["startMs"], s["endMs"]) for s in document["segments"]}
    seen = [[label["name"] for label in entry["labels"]][:1] for entry in document["timeline"]]
    assert set(spans) <= found, (document["segments"], seen)  # "8" and "7" each span a chunk boundary
    # this run started the model, so with stopWhenDone (the default) it stopped it again
    assert version_status(rekognition, project_arn, "v1") == "STOPPED"
