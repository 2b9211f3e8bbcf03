"""Task CheckTraining: one DescribeProjectVersions poll; a failure carries the manifest summary's errors."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.registry import Registry
from customlabels.rekognition.clients import client, dynamodb_resource
from customlabels.rekognition.versions import (
    TRAINING_DONE,
    TRAINING_FAILED,
    require_version,
    training_failure,
)

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")
S3 = client("s3")
REGISTRY = Registry(ENV.registry_table, dynamodb_resource())


def handler(event: dict, context: object) -> dict:
    settings, training = event["settings"], event["training"]
    project, version = settings["projectName"], settings["versionName"]
    description = require_version(REKOGNITION, event["projectArn"], version)
    status = description["Status"]
    failure = None
    if status == TRAINING_FAILED:
        failure = {"error": "TrainingFailed", "cause": f"{version}: {training_failure(S3, description)}"}
    if status in (TRAINING_DONE, TRAINING_FAILED):
        REGISTRY.update_version(
            project,
            version,
            status=status,
            statusMessage=description.get("StatusMessage"),
            billableTrainingSeconds=description.get("BillableTrainingTimeInSeconds"),
            manifestSummary=(description.get("ManifestSummary") or {}).get("S3Object"),
        )
    return {**training, "status": status, "attempt": training["attempt"] + 1, "failure": failure}
