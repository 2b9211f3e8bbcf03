"""Batch analysis on the synthesized stack deployed locally: the Distributed Map backfills a prefix or
a manifest through the upload path's analyser, with and without injected throttling."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from customlabels.training.registry import Registry
from customlabels_cli.main import main
from local.emulator import moto_integration
from local.emulator.settings import Faults, ServiceSettings
from local.samples import digit_samples, ensure_bucket, write_samples
from tests.e2e.harness import running_stack, train_directly

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
REGION = "us-east-1"
PROJECT = "customlabels"
BACKFILL_IMAGES = 1000


class Backfill:
    def __init__(self, url: str, outputs: dict[str, str]) -> None:
        self.session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.url = url
        self.outputs = outputs
        self.bucket = outputs["InferenceBucketName"]
        self.console = outputs["ConsoleBucketName"]
        self.s3 = self.client("s3")
        self.rekognition = self.client("rekognition")
        self.sfn = self.client("stepfunctions")
        self.samples = [sample.png for sample in digit_samples(40, seed=3)]
        self.model: dict[str, str] = {}

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url)

    def put_images(self, bucket: str, prefix: str, count: int) -> list[str]:
        keys = [f"{prefix}{index:04d}.png" for index in range(count)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(
                pool.map(
                    lambda index: self.s3.put_object(
                        Bucket=bucket, Key=keys[index], Body=self.samples[index % len(self.samples)]
                    ),
                    range(count),
                )
            )
        return keys

    def run(self, source: str, **extra: Any) -> dict[str, Any]:
        arn = self.sfn.start_execution(
            stateMachineArn=self.outputs["BatchAnalysisStateMachineArn"],
            input=json.dumps({"source": source, **extra}),
        )["executionArn"]
        deadline = time.monotonic() + 600
        while (described := self.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the batch analysis did not finish"
            time.sleep(0.5)
        assert described["status"] == "SUCCEEDED", described.get("cause") or described
        return json.loads(described["output"])

    def read(self, uri: str) -> bytes:
        bucket, key = uri.removeprefix("s3://").split("/", 1)
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def result_keys(self, prefix: str) -> list[str]:
        keys = []
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [version["Key"] for version in page.get("Versions", [])]
        return keys

    def model_status(self) -> str:
        descriptions = self.rekognition.describe_project_versions(
            ProjectArn=self.model["projectArn"], VersionNames=[self.model["versionName"]]
        )["ProjectVersionDescriptions"]
        return descriptions[0]["Status"]


@pytest.fixture(scope="module")
def backfill(stack_artifact) -> Iterator[Backfill]:
    with running_stack(stack_artifact, ServiceSettings(seed=7)) as stack:
        backfill = Backfill(stack.endpoint_url, stack.outputs)
        ensure_bucket(backfill.s3, backfill.console)
        manifests = write_samples(backfill.s3, digit_samples(100), backfill.console, f"datasets/{PROJECT}")
        output = f"s3://{backfill.console}/training-output/{PROJECT}/"
        version_arn = train_directly(backfill.rekognition, manifests, PROJECT, "v1", output)
        Registry(
            stack.outputs["RegistryTableName"],
            backfill.session.resource("dynamodb", endpoint_url=stack.endpoint_url),
        ).set_champion(PROJECT, "v1", version_arn, 0.9)
        project = backfill.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0]
        backfill.model = {"projectArn": project["ProjectArn"], "versionArn": version_arn, "versionName": "v1"}
        yield backfill


def _faults(faults: Faults) -> None:
    moto_integration.service_for("123456789012", REGION).faults.faults = faults


def _check_prefix_backfill(backfill: Backfill, prefix: str, summary: dict[str, Any]) -> None:
    expected = {f"results/{backfill.bucket}/{prefix}{index:04d}.png.json" for index in range(BACKFILL_IMAGES)}
    written = backfill.result_keys(f"results/{backfill.bucket}/{prefix}")
    assert len(written) == BACKFILL_IMAGES and set(written) == expected  # one version each: no duplicates
    assert summary["images"] == {
        "total": BACKFILL_IMAGES,
        "analysed": BACKFILL_IMAGES,
        "skipped": 0,
        "failed": 0,
        "notImages": 1,
    }
    assert summary["modelVersion"] == {"name": "v1", "arn": backfill.model["versionArn"]}
    lines = [json.loads(line) for line in backfill.read(summary["resultsManifest"]).decode().splitlines()]
    per_label = Counter(label["name"] for line in lines for label in line["labels"])
    assert summary["labels"] == dict(per_label) and per_label
    assert sorted(line["image"] for line in lines) == sorted(
        f"s3://{backfill.bucket}/{prefix}{index:04d}.png" for index in range(BACKFILL_IMAGES)
    )
    stored = json.loads(backfill.read(summary["summary"]))
    assert stored["images"] == summary["images"] and stored["imagesPerSecond"] > 0
    for line in lines[:: BACKFILL_IMAGES // 20]:  # the manifest line is the result document's labels
        document = json.loads(backfill.read(line["result"]))
        assert document["status"] == "SUCCEEDED" and line["image"].endswith(document["image"]["key"])
        assert document["modelVersionArn"] == backfill.model["versionArn"]
        assert [label["name"] for label in line["labels"]] == [label["name"] for label in document["labels"]]
    assert backfill.model_status() == "STOPPED"  # it started the model, so it stopped it


def test_analyse_wait_labels_1000_images_with_a_progress_bar_and_stops_the_model(
    backfill: Backfill, capsys, monkeypatch, tmp_path
) -> None:
    assert backfill.model_status() == "TRAINING_COMPLETED"
    backfill.put_images(backfill.bucket, "backfill/plain/", BACKFILL_IMAGES)
    backfill.s3.put_object(Bucket=backfill.bucket, Key="backfill/plain/notes.txt", Body=b"not an image")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(backfill.outputs))
    monkeypatch.setenv("AWS_ENDPOINT_URL", backfill.url)
    capsys.readouterr()
    code = main(["analyse", f"s3://{backfill.bucket}/backfill/plain/", "--wait", "--outputs", str(outputs)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    listed = BACKFILL_IMAGES + 1  # the Map Run counts every listed key, notes.txt too
    assert f"{listed}/{listed} items, 0 failed" in printed  # the Map Run's progress
    assert f"{BACKFILL_IMAGES} analysed, 0 skipped" in printed and "results: s3://" in printed
    execution = re.search(r"Started (\S+)", printed).group(1)
    summary = json.loads(backfill.read(f"s3://{backfill.bucket}/batches/{execution}/summary.json"))
    _check_prefix_backfill(backfill, "backfill/plain/", summary)


def test_30_percent_throttling_loses_nothing_and_duplicates_nothing(backfill: Backfill) -> None:
    backfill.put_images(backfill.bucket, "backfill/throttled/", BACKFILL_IMAGES)
    backfill.s3.put_object(Bucket=backfill.bucket, Key="backfill/throttled/notes.txt", Body=b"not an image")
    _faults(Faults(throttle=0.3))
    try:
        summary = backfill.run(f"s3://{backfill.bucket}/backfill/throttled/")
    finally:
        _faults(Faults())
    _check_prefix_backfill(backfill, "backfill/throttled/", summary)


def test_a_manifest_backfill_analyses_its_images_and_skips_those_already_done(backfill: Backfill) -> None:
    keys = backfill.put_images(backfill.console, "datasets/backfill/", 30)
    missing = f"s3://{backfill.console}/datasets/backfill/missing.png"
    lines = [json.dumps({"source-ref": f"s3://{backfill.console}/{key}"}) for key in keys[:20]] + [
        json.dumps({"source-ref": missing})
    ]
    manifest = "datasets/backfill/first.manifest"
    backfill.s3.put_object(Bucket=backfill.console, Key=manifest, Body="\n".join(lines).encode())
    first = backfill.run(f"s3://{backfill.console}/{manifest}", stopWhenDone=False)
    assert first["images"] == {"total": 21, "analysed": 20, "skipped": 0, "failed": 1, "notImages": 0}
    assert (
        first["failures"]["reasons"] == {"NOT_FOUND": 1}
        and first["failures"]["examples"][0]["image"] == missing
    )
    assert backfill.model_status() == "RUNNING"  # stopWhenDone false leaves it running

    again = "datasets/backfill/second.manifest"
    body = "\n".join(json.dumps({"source-ref": f"s3://{backfill.console}/{key}"}) for key in keys)
    backfill.s3.put_object(Bucket=backfill.console, Key=again, Body=body.encode())
    second = backfill.run(f"s3://{backfill.console}/{again}")
    assert second["images"] == {"total": 30, "analysed": 10, "skipped": 20, "failed": 0, "notImages": 0}
    results = backfill.result_keys(f"results/{backfill.console}/datasets/backfill/")
    assert len(results) == 30  # the skipped images were not written again
    assert backfill.model_status() == "RUNNING"  # it did not start the model, so it leaves it running


def test_a_bad_input_fails_with_every_problem_named(backfill: Backfill) -> None:
    arn = backfill.sfn.start_execution(
        stateMachineArn=backfill.outputs["BatchAnalysisStateMachineArn"],
        input=json.dumps({"source": "s3://elsewhere/x.jpg", "minConfidence": 101, "colour": "red"}),
    )["executionArn"]
    while (described := backfill.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        time.sleep(0.2)
    assert described["status"] == "FAILED" and described["error"] == "InvalidInput"
    for fragment in ("unknown field(s) colour", "bucket 'elsewhere'", "minConfidence=101"):
        assert fragment in described["cause"]
