"""Model versions: the resource, its status table, DescribeProjectVersions and DeleteProjectVersion
(spec 06 §4). Training, running and copying live in version_training, version_running, version_copy."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from local.emulator.detection import TrainedModel
from local.emulator.errors import InvalidParameterException, ResourceInUseException
from local.emulator.lifecycle import allows, transition
from local.emulator.paging import page, with_token
from local.emulator.state import ServiceState

MESSAGES = {
    "TRAINING_IN_PROGRESS": "The model is being trained.",
    "TRAINING_COMPLETED": "The model is ready to run.",
    "COPYING_IN_PROGRESS": "The model is being copied.",
    "COPYING_COMPLETED": "The model copy is ready to run.",
    "STARTING": "The model is starting.",
    "RUNNING": "The model is running.",
    "STOPPING": "The model is stopping.",
    "STOPPED": "The model has stopped running.",
    "DELETING": "The model is being deleted.",
}
SERVICE_ISSUE = "Amazon Rekognition experienced a service issue."
_STARTABLE = frozenset({"STARTING", "DELETING"})


@dataclass
class ProjectVersion:
    TRANSITIONS: ClassVar = {
        "TRAINING_IN_PROGRESS": frozenset({"TRAINING_COMPLETED", "TRAINING_FAILED"}),
        "TRAINING_COMPLETED": _STARTABLE,
        "TRAINING_FAILED": frozenset({"DELETING"}),
        "COPYING_IN_PROGRESS": frozenset({"COPYING_COMPLETED", "COPYING_FAILED"}),
        "COPYING_COMPLETED": _STARTABLE,
        "COPYING_FAILED": frozenset({"DELETING"}),
        "STARTING": frozenset({"RUNNING", "FAILED", "STOPPING"}),
        "RUNNING": frozenset({"STOPPING"}),
        "STOPPING": frozenset({"STOPPED"}),
        "STOPPED": _STARTABLE,
        "FAILED": _STARTABLE,
    }
    TRAINED: ClassVar = frozenset(
        {"TRAINING_COMPLETED", "COPYING_COMPLETED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "FAILED"}
    )

    arn: str
    name: str
    project_arn: str
    output_config: dict[str, str]
    kms_key_id: str | None = None
    description: str | None = None
    status: str = "TRAINING_IN_PROGRESS"
    status_message: str = MESSAGES["TRAINING_IN_PROGRESS"]
    created: float = field(default_factory=time.time)
    results: dict[str, Any] = field(default_factory=dict)  # fields filled in by training or a copy
    source_version_arn: str | None = None
    min_units: int | None = None
    max_units: int | None = None
    model: TrainedModel | None = None

    @property
    def trained(self) -> bool:
        """Holds a model that can run and be copied."""
        return self.status in self.TRAINED and self.model is not None

    def set_status(self, status: str, message: str | None = None) -> None:
        transition(self, status)
        self.status_message = message if message is not None else MESSAGES.get(status, "")

    def describe(self) -> dict[str, Any]:
        optional = {
            "KmsKeyId": self.kms_key_id,
            "VersionDescription": self.description,
            "SourceProjectVersionArn": self.source_version_arn,
            "MinInferenceUnits": self.min_units,
            "MaxInferenceUnits": self.max_units,
        }
        return {
            "ProjectVersionArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "OutputConfig": self.output_config,
            "Feature": "CUSTOM_LABELS",
            **self.results,
            **{key: value for key, value in optional.items() if value is not None},
        }


def output_config(request: dict) -> dict[str, str]:
    output = request.get("OutputConfig") or {}
    if not output.get("S3Bucket"):
        raise InvalidParameterException("OutputConfig.S3Bucket is required: where training results go.")
    return {"S3Bucket": output["S3Bucket"], "S3KeyPrefix": output.get("S3KeyPrefix", "")}


def require_output_bucket(state: ServiceState, output: dict[str, str]) -> None:
    """A bucket that does not exist is refused on the call (docs/decisions.md); one that exists but
    cannot be written fails the training or copy later, with the guide's "Unable to write to output S3
    bucket."."""
    try:
        state.s3.head_bucket(Bucket=output["S3Bucket"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            raise InvalidParameterException(
                f"OutputConfig.S3Bucket {output['S3Bucket']} does not exist: create it, or name the bucket "
                "the training results should go to."
            ) from None


def describe_project_versions(state: ServiceState, request: dict) -> dict:
    names = request.get("VersionNames")
    with state.lock:
        project = state.project(request.get("ProjectArn"))
        versions = sorted(
            (v for v in project.versions.values() if names is None or v.name in names),
            key=lambda v: v.created,
            reverse=True,
        )
        found, token = page(versions, request, "DescribeProjectVersions")
        return with_token({"ProjectVersionDescriptions": [v.describe() for v in found]}, token)


def delete_project_version(state: ServiceState, request: dict) -> dict:
    with state.lock:
        project, version = state.version(request.get("ProjectVersionArn"))
        if not allows(version, "DELETING"):
            raise ResourceInUseException(
                f"The model is {version.status}: stop it or wait for training or copying to finish "
                "before deleting it."
            )
        version.set_status("DELETING")

        def forget() -> None:
            project.versions.pop(version.name, None)
            state.forget(version.arn)

        state.later(state.delays.seconds("deleting"), forget)
        return {"Status": version.status}
