"""Scenarios of people's policies for the permissions mutation table (tests/e2e/test_permissions.py):
the operator's CLI commands run with OperatorAccess alone, and the guards (Deny statements of what the
pipeline owns) with the call each refuses."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from customlabels_cli.main import main


def as_person(
    session: boto3.Session, endpoint_url: str, outputs: Path, *arguments: str, stack_outputs: bool = True
) -> int:
    """`customlabels ARGUMENTS` with `session`'s credentials only; the exit code."""
    credentials = session.get_credentials()
    environment = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token,
    }
    with mock.patch.dict(os.environ, environment), redirect_stdout(StringIO()), redirect_stderr(StringIO()):
        return main([*arguments, *(["--outputs", str(outputs)] if stack_outputs else [])])


# A broader policy a person may also hold: the guards are Deny statements so they hold next to it.
BROADER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "rekognition:*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Guard:
    """One Deny statement of people's policies: the call a person holding the policy (and BROADER) makes."""

    name: str
    policy: str
    sid: str
    action: str
    call: Callable[[Any, Any], Any]  # (rekognition client, the Secured stack)


def _tag_the_champion_as_gated(rekognition: Any, secured: Any) -> Any:
    return rekognition.tag_resource(
        ResourceArn=secured.model["versionArn"], Tags={"Customlabels:Gate": "passed"}
    )


def _train_by_hand(rekognition: Any, secured: Any) -> Any:
    """Refused by the service even when authorized: the version name is not a valid name."""
    return rekognition.create_project_version(
        ProjectArn=secured.model["projectArn"],
        VersionName="not a version name!",
        OutputConfig={"S3Bucket": secured.outputs["ConsoleBucketName"], "S3KeyPrefix": "by-hand"},
    )


def _change_the_test_dataset(rekognition: Any, secured: Any) -> Any:
    """A TEST dataset ARN of this project that does not exist: ResourceNotFound when authorized."""
    dataset = secured.model["projectArn"].rsplit("/", 1)[0] + "/dataset/test/1"
    return rekognition.update_dataset_entries(DatasetArn=dataset, Changes={"GroundTruth": b"{}"})


GUARDS = [
    Guard("sdk: gate tags", "SdkAccess", "GateTagsAreThePipelines", "rekognition:TagResource",
          _tag_the_champion_as_gated),
    Guard("console: train by hand", "ConsoleAccess", "VersionsAreThePipelines",
          "rekognition:CreateProjectVersion", _train_by_hand),
    Guard("reviewer: the TEST dataset", "ReviewerAccess", "TestDatasetIsThePipelines",
          "rekognition:UpdateDatasetEntries", _change_the_test_dataset),
]  # fmt: skip
