"""Task Train: CreateProjectVersion (or find this run's version) and record it in the registry."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.registry import Registry
from customlabels.rekognition.clients import client, dynamodb_resource
from customlabels.rekognition.versions import manifest_sha256, start_training

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")
S3 = client("s3")
REGISTRY = Registry(ENV.registry_table, dynamodb_resource())


def handler(event: dict, context: object) -> dict:
    settings, project_arn, execution = event["settings"], event["projectArn"], event["executionArn"]
    project, version = settings["projectName"], settings["versionName"]
    hashes = {
        "training": manifest_sha256(S3, settings["trainingManifest"]),
        "testing": manifest_sha256(S3, settings["testingManifest"]) if settings["testingManifest"] else None,
    }
    tags = {
        "project": project,
        "execution": execution,
        "trainingManifestSha256": hashes["training"],
        "testingManifestSha256": hashes["testing"] or "auto-split",
    }
    output = ENV.training_output(project, version)
    started = start_training(
        REKOGNITION,
        project_arn=project_arn,
        version_name=version,
        output=output,
        kms_key_id=ENV.kms_key_arn,
        tags=tags,
    )
    if not started["reused"] or REGISTRY.get_version(project, version) is None:
        REGISTRY.put_version(
            {
                "project": project,
                "versionName": version,
                "versionArn": started["versionArn"],
                "projectArn": project_arn,
                "status": started["status"],
                "trainingManifest": settings["trainingManifest"],
                "testingManifest": settings["testingManifest"],
                "manifestHashes": hashes,
                "datasetArns": {"train": event["datasets"]["train"], "test": event["datasets"]["test"]},
                "autoSplit": settings["autoSplit"],
                "thresholds": {
                    key: settings[key] for key in ("f1Threshold", "minLabelF1", "requireImprovement")
                },
                "executionArn": execution,
                "outputUri": str(output),
            }
        )
    return {
        **started,
        "versionName": version,
        "outputUri": str(output),
        "manifestHashes": hashes,
        "attempt": 0,
    }
