"""Rekognition reads a dataset's manifest with its caller's S3 permissions (forward access)."""

from __future__ import annotations

import time

import pytest

from local import access
from local.access.delivery_contexts import REKOGNITION_READS
from tests.unit.access.test_endpoint_authorization import ACCOUNT, Endpoint, endpoint

__all__ = ["endpoint"]  # the module's running endpoint, shared with these tests
BUCKET = "training-data"
MANIFEST = "datasets/train.manifest"
LINE = (
    '{"source-ref": "s3://training-data/images/a.png", "label": 1, "label-metadata": {"class-name": "a", '
    '"confidence": 1, "type": "groundtruth/image-classification", "job-name": "j", "human-annotated": "yes", '
    '"creation-date": "2024-01-01T00:00:00"}}\n'
)


def _dataset_status(endpoint: Endpoint, missing: str | None) -> dict[str, str]:
    name = (missing or "s3:all").removeprefix("s3:")
    endpoint.client("s3").put_object(Bucket=BUCKET, Key=MANIFEST, Body=LINE.encode())
    project = endpoint.client("rekognition").create_project(ProjectName=f"reads-{name}")["ProjectArn"]
    reads = [
        {"Effect": "Allow", "Action": [a for a in REKOGNITION_READS.object_actions if a != missing],
         "Resource": f"arn:aws:s3:::{BUCKET}/*"},
        {"Effect": "Allow", "Action": [a for a in REKOGNITION_READS.bucket_actions if a != missing],
         "Resource": f"arn:aws:s3:::{BUCKET}"},
    ]  # fmt: skip
    create = {
        "Effect": "Allow",
        "Action": "rekognition:CreateDataset",
        "Resource": f"{project.rsplit('/', 1)[0]}/*",
    }
    rekognition = endpoint.client("rekognition", endpoint.role(f"creator-{name}", create, *reads))
    dataset = rekognition.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": MANIFEST}}},
    )["DatasetArn"]
    admin = endpoint.client("rekognition")
    for _ in range(200):
        described = admin.describe_dataset(DatasetArn=dataset)["DatasetDescription"]
        if described["Status"] != "CREATE_IN_PROGRESS":
            return described
        time.sleep(0.05)
    raise AssertionError(f"dataset still {described['Status']}")


@pytest.fixture(scope="module")
def bucket(endpoint: Endpoint) -> str:
    endpoint.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def test_the_dataset_is_created_when_its_caller_may_read_the_guides_read_set(endpoint, bucket) -> None:
    assert _dataset_status(endpoint, None)["Status"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("missing", ["s3:GetObjectTagging", "s3:GetBucketLocation"])
def test_without_one_read_the_dataset_fails_and_the_denial_names_it(endpoint, bucket, missing) -> None:
    described = _dataset_status(endpoint, missing)
    assert (described["Status"], described["StatusMessage"]) == (
        "CREATE_FAILED",
        "The S3 bucket permissions are incorrect.",
    )
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/creator-{missing.removeprefix('s3:')}/tester"
    assert any(d.principal == role and d.action == missing for d in access.recent_denials())
