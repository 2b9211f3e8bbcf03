"""Helpers for the Custom Labels service tests: a held-back scheduler and small sample datasets."""

from __future__ import annotations

import pytest

from local.emulator import moto_integration
from local.emulator.scheduler import ManualScheduler
from local.samples import digit_samples, ensure_bucket, shape_samples, write_samples

BUCKET = "customlabels-test"


@pytest.fixture
def rekognition(local_client):
    return local_client("rekognition")


@pytest.fixture
def s3(local_client):
    client = local_client("s3")
    ensure_bucket(client, BUCKET)
    return client


@pytest.fixture
def held(local_client, service_settings):
    """Async work waits until `held()` is called: every intermediate status can be observed."""
    moto_integration.configure(service_settings, ManualScheduler)
    return lambda: moto_integration.service_for("123456789012", "us-east-1").scheduler.run_pending()


@pytest.fixture
def digits(s3) -> dict[str, str]:
    """60 digit images (50 train / 10 test); manifest keys by split."""
    uris = write_samples(s3, digit_samples(60), BUCKET, "digits")
    return {split: uri.split("/", 3)[3] for split, uri in uris.items()}


@pytest.fixture
def shapes(s3) -> dict[str, str]:
    uris = write_samples(s3, shape_samples(40), BUCKET, "shapes")
    return {split: uri.split("/", 3)[3] for split, uri in uris.items()}


def manifest_source(key: str) -> dict:
    return {"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": key}}}
