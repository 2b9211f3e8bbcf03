"""Acceptance: the digits model trained through `python -m local endpoint` over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from tests.fixtures.local_aws import REGION, ready_url, wait_until

ROOT = Path(__file__).resolve().parents[3]
BUCKET = "digits-acceptance"
SAMPLES = (sys.executable, "-m", "local", "samples", "digits")
DIGITS = 400  # 80 held out: enough for the accuracy bounds below, a third of the whole set's time


@pytest.mark.slow
def test_digits_train_start_detect_stop_over_http():
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lambdas'}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    env.pop("AWS_ENDPOINT_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "local", "endpoint", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = ready_url(server.stdout)
        uris = subprocess.run(
            [*SAMPLES, "--count", str(DIGITS), "--bucket", BUCKET, "--create-bucket"],
            cwd=ROOT,
            env={**env, "AWS_ENDPOINT_URL": url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        clients = {
            name: boto3.client(
                name,
                endpoint_url=url,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for name in ("rekognition", "s3")
        }
        rekognition, s3 = clients["rekognition"], clients["s3"]
        project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
        for dataset_type, uri in zip(("TRAIN", "TEST"), uris, strict=True):
            rekognition.create_dataset(
                ProjectArn=project,
                DatasetType=dataset_type,
                DatasetSource={
                    "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": uri.split("/", 3)[3]}}
                },
            )
        wait_until(
            lambda: rekognition.describe_projects(ProjectNames=["digits"])["ProjectDescriptions"][0],
            lambda p: [d["Status"] for d in p["Datasets"]] == ["CREATE_COMPLETE"] * 2,
        )
        started = time.monotonic()
        arn = rekognition.create_project_version(
            ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "output"}
        )["ProjectVersionArn"]

        def describe() -> dict:
            return rekognition.describe_project_versions(ProjectArn=project, VersionNames=["v1"])[
                "ProjectVersionDescriptions"
            ][0]

        trained = wait_until(
            describe, lambda d: d["Status"] != "TRAINING_IN_PROGRESS", timeout=120, interval=0.5
        )
        print(
            f"digits: F1 {trained['EvaluationResult']['F1Score']:.4f}, "
            f"training {time.monotonic() - started:.1f} s"
        )
        assert trained["Status"] == "TRAINING_COMPLETED"
        assert trained["EvaluationResult"]["F1Score"] >= 0.85
        rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
        wait_until(describe, lambda d: d["Status"] == "RUNNING")
        held_out = [
            json.loads(line)
            for line in s3.get_object(Bucket=BUCKET, Key="samples/test.manifest")["Body"]
            .read()
            .decode()
            .splitlines()[:30]
        ]
        right = 0
        for line in held_out:
            labels = rekognition.detect_custom_labels(
                ProjectVersionArn=arn,
                MaxResults=1,
                Image={"S3Object": {"Bucket": BUCKET, "Name": line["source-ref"].split("/", 3)[3]}},
            )["CustomLabels"]
            right += bool(labels) and labels[0]["Name"] == line["digit-metadata"]["class-name"]
        assert right >= 27
        rekognition.stop_project_version(ProjectVersionArn=arn)
        wait_until(describe, lambda d: d["Status"] == "STOPPED")
    finally:
        server.terminate()
        server.wait(timeout=30)
