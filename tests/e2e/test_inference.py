"""Inference on upload, on the synthesized stack deployed locally: S3 -> SQS -> detect -> results.

The stack runs on a local endpoint (moto + the local Custom Labels service + in-process Lambda);
SQS -> Lambda runs through local.event_sources (Lambda's batching, partial failures, redrive).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from customlabels.training.registry import Registry
from local.emulator import moto_integration
from local.emulator.settings import Faults, ServiceSettings
from local.event_sources import EventSources
from local.samples import ensure_bucket, shape_samples, write_samples
from tests.e2e.harness import running_stack, train_directly
from tests.unit.inference import images

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
REGION = "us-east-1"
PROJECT = "customlabels"


class Pipeline:
    def __init__(self, url: str, outputs: dict[str, str], sources: EventSources) -> None:
        self.session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.url = url
        self.outputs = outputs
        self.sources = sources
        self.bucket = outputs["InferenceBucketName"]
        self.s3 = self.client("s3")
        self.rekognition = self.client("rekognition")

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url)

    def upload_all(self, bodies: dict[str, bytes]) -> None:
        for key, body in bodies.items():
            self.s3.put_object(Bucket=self.bucket, Key=f"uploads/{key}", Body=body)

    def wait(self, timeout: float = 600) -> None:
        # generous: a record refused by injected faults waits out the queue's visibility timeout, and on a
        # loaded 2-core machine (the whole suite on two workers) that adds up; what is asserted is the outcome
        assert self.sources.wait_until_drained(timeout), "the upload queue did not drain"

    def result_keys(self) -> list[str]:
        keys, paginator = [], self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix="results/"):
            keys += [version["Key"] for version in page.get("Versions", [])]
        return keys

    def result(self, key: str) -> dict[str, Any]:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def dead_letters(self) -> int:
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.outputs["DeadLetterQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def model_status(self, project_arn: str, version_name: str) -> str:
        descriptions = self.rekognition.describe_project_versions(
            ProjectArn=project_arn, VersionNames=[version_name]
        )["ProjectVersionDescriptions"]
        return descriptions[0]["Status"]


def _until(read, done, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while not done(value := read()):
        assert time.monotonic() < deadline, f"timed out; last value {value!r}"
        time.sleep(0.2)
    return value


def _train_champion(pipeline: Pipeline) -> dict[str, str]:
    bucket = pipeline.outputs["ConsoleBucketName"]
    ensure_bucket(pipeline.s3, bucket)
    manifests = write_samples(pipeline.s3, shape_samples(60), bucket, f"datasets/{PROJECT}")
    output = f"s3://{bucket}/training-output/{PROJECT}/"
    version_arn = train_directly(pipeline.rekognition, manifests, PROJECT, "v1", output)
    Registry(
        pipeline.outputs["RegistryTableName"],
        pipeline.session.resource("dynamodb", endpoint_url=pipeline.url),
    ).set_champion(PROJECT, "v1", version_arn, 0.9)
    project_arn = pipeline.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0]
    return {"projectArn": project_arn["ProjectArn"], "versionArn": version_arn, "versionName": "v1"}


@pytest.fixture(scope="module")
def pipeline(stack_artifact) -> Iterator[Pipeline]:
    with running_stack(stack_artifact, ServiceSettings(seed=7)) as stack:
        pipeline = Pipeline(stack.endpoint_url, stack.outputs, stack.sources)
        pipeline.model = _train_champion(pipeline)
        yield pipeline


def _faults(faults: Faults) -> None:
    moto_integration.service_for("123456789012", REGION).faults.faults = faults


def awkward_uploads(batch: str, count: int = 200) -> dict[str, bytes]:
    names = ["with space", "plus+sign", "ünïcødé 画像", "a/b/c/d/deep", "percent%20literal"]
    samples = list(shape_samples(count, seed=hash(batch) % 1000))
    extensions = [".png", ".PNG", ".Png"]
    return {
        f"{batch}/{names[i % len(names)]}/{i:03d} {sample.name}{extensions[i % 3]}": sample.png
        for i, sample in enumerate(samples)
    }


def _expected_labels(pipeline: Pipeline, key: str) -> list[str]:
    response = pipeline.rekognition.detect_custom_labels(
        ProjectVersionArn=pipeline.model["versionArn"],
        Image={"S3Object": {"Bucket": pipeline.bucket, "Name": key}},
    )
    return [label["Name"] for label in response["CustomLabels"]]


def _check_batch(pipeline: Pipeline, uploads: dict[str, bytes], batch: str) -> None:
    keys = [k for k in pipeline.result_keys() if k.startswith(f"results/{batch}/")]
    assert sorted(keys) == sorted(f"results/{key}.json" for key in uploads)  # one version each
    _faults(Faults())
    for key in list(uploads)[:: max(1, len(uploads) // 25)]:
        document = pipeline.result(f"results/{key}.json")
        assert document["status"] == "SUCCEEDED"
        assert document["modelVersionArn"] == pipeline.model["versionArn"]
        assert [label["name"] for label in document["labels"]] == _expected_labels(pipeline, f"uploads/{key}")
    assert pipeline.dead_letters() == 0


def test_a_stopped_model_is_started_and_every_upload_gets_its_labels(pipeline: Pipeline) -> None:
    model = pipeline.model
    assert pipeline.model_status(model["projectArn"], model["versionName"]) == "TRAINING_COMPLETED"
    uploads = awkward_uploads("stopped", 20)
    pipeline.upload_all(uploads)
    pipeline.wait()
    assert pipeline.model_status(model["projectArn"], model["versionName"]) == "RUNNING"
    _check_batch(pipeline, uploads, "stopped")


def test_200_awkward_names_give_200_results_with_their_labels(pipeline: Pipeline) -> None:
    uploads = awkward_uploads("plain")
    pipeline.upload_all(uploads)
    pipeline.wait()
    _check_batch(pipeline, uploads, "plain")


def test_throttling_and_internal_errors_lose_nothing_and_duplicate_nothing(pipeline: Pipeline) -> None:
    uploads = awkward_uploads("faulty")
    _faults(Faults(throttle=0.3, internal=0.05))
    try:
        pipeline.upload_all(uploads)
        pipeline.wait()
    finally:
        _faults(Faults())
    _check_batch(pipeline, uploads, "faulty")


def test_unusable_uploads_get_error_results_without_retries(pipeline: Pipeline) -> None:
    bad = {
        "bad/notes.png": b"these are notes, not an image\n" * 20,
        "bad/huge.png": images.oversized_png(),
        "bad/tiny.jpg": images.jpeg(32, 32),
    }
    before = pipeline.sources.invocations()
    pipeline.upload_all(bad)
    pipeline.wait()
    for key, reason in (("notes.png", "not PNG or JPEG"), ("huge.png", "15 MB"), ("tiny.jpg", "64-4096 px")):
        document = pipeline.result(f"results/bad/{key}.error.json")
        assert document["status"] == "FAILED" and reason in document["error"]["reason"]
    assert pipeline.sources.invocations() - before <= len(bad)  # one delivery each, no retry
    assert pipeline.dead_letters() == 0


def test_results_never_trigger_processing(pipeline: Pipeline) -> None:
    before_keys = set(pipeline.result_keys())
    before = pipeline.sources.invocations()
    pipeline.s3.put_object(Bucket=pipeline.bucket, Key="results/sneaky.png", Body=images.png())
    pipeline.s3.put_object(Bucket=pipeline.bucket, Key="results/uploads/x.png", Body=images.png())
    time.sleep(3)
    pipeline.wait()
    assert pipeline.sources.invocations() == before
    assert set(pipeline.result_keys()) - before_keys == {"results/sneaky.png", "results/uploads/x.png"}
