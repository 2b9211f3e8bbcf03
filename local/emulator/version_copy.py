"""CopyProjectVersion (spec 06 §4.4): the copy carries the source's model and training results; the
service writes the results it owns again under the copy's OutputConfig (with its KmsKeyId)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from local.access.principals import Caller
from local.emulator import arns
from local.emulator.cross_account import copy_allowed
from local.emulator.errors import (
    AccessDeniedException,
    InvalidParameterException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from local.emulator.projects import usable_project
from local.emulator.state import ServiceState
from local.emulator.storage import ObjectMissing, read_object
from local.emulator.tags import apply_tags
from local.emulator.training import UNABLE_TO_WRITE
from local.emulator.training_output import TrainingOutput
from local.emulator.versions import MESSAGES, ProjectVersion, output_config, require_output_bucket

MAX_COPIES_PER_DESTINATION = 5
UNREADABLE_SOURCE = "The source model's training results could not be read from its output bucket."
StateOf = Callable[[str], ServiceState]  # account -> that account's service state in this region


def copy_project_version(state: ServiceState, request: dict, caller: Caller, state_of: StateOf) -> dict:
    name = request["VersionName"]
    output = output_config(request)
    require_output_bucket(state, output)
    source_project_arn = request["SourceProjectArn"]
    source_region, source_account = arns.region_and_account(source_project_arn)
    if source_region != state.region:
        raise InvalidParameterException("A model can only be copied within one Region.")
    source_state = state if source_account == state.account else state_of(source_account)
    with source_state.lock:
        source_project = source_state.project(source_project_arn)
        source_project_of_version, source = source_state.version(request.get("SourceProjectVersionArn"))
        if source_project_of_version is not source_project:
            raise ResourceNotFoundException(
                f"The model {source.arn} is not in project {source_project.name}."
            )
        if not source.trained:
            raise ResourceInUseException(
                f"The model is {source.status}; only a trained model (or a finished copy) can be copied."
            )
        policies = list(source_state.policies.get(source_project.arn, {}).values())
        snapshot = (copy.deepcopy(source.results), source.model, source.output_config)
        source_tags = dict(source_state.tags.get(source.arn, {}))
    if source_account != caller.principal.account and not copy_allowed(
        caller, source.arn, source_account, policies, source_tags
    ):
        raise AccessDeniedException(
            f"{caller.principal.session_arn or caller.principal.arn} is not allowed "
            f"rekognition:CopyProjectVersion on {source.arn}: "
            "the source project needs a project policy that allows it."
        )
    with state.lock:
        destination = usable_project(state, request.get("DestinationProjectArn"))
        if name in destination.versions:
            raise ResourceInUseException(
                f"The version name {name} is already used in project {destination.name}."
            )
        copying = sum(v.status == "COPYING_IN_PROGRESS" for v in destination.versions.values())
        if copying >= MAX_COPIES_PER_DESTINATION:
            raise LimitExceededException(
                f"At most {MAX_COPIES_PER_DESTINATION} copies can run into one project at once."
            )
        arn = arns.version_arn(state.region, state.account, destination.name, name, state.stamp())
        apply_tags(state, arn, request.get("Tags") or {})
        version = ProjectVersion(
            arn,
            name,
            destination.arn,
            output,
            request.get("KmsKeyId"),
            status="COPYING_IN_PROGRESS",
            status_message=MESSAGES["COPYING_IN_PROGRESS"],
            source_version_arn=source.arn,
        )
        destination.versions[name] = version
    writer = state.s3  # the caller's view: the copy's output is written with the caller's permissions
    state.scheduler.submit(
        state.delays.seconds("copying"), lambda: _copy(state, source_state, writer, version, *snapshot)
    )
    return {"ProjectVersionArn": arn}


def _copy(
    state: ServiceState,
    source_state: ServiceState,
    writer: Any,
    version: ProjectVersion,
    results: dict[str, Any],
    model: Any,
    source_output: dict[str, str],
) -> None:
    try:
        state.own_s3.head_bucket(Bucket=version.output_config["S3Bucket"])
        copied = _rewrite(results, _Relocation(source_state, writer, source_output, version))
    except ClientError:
        outcome: tuple[str, str, dict[str, Any] | None] = ("COPYING_FAILED", UNABLE_TO_WRITE, None)
    except ObjectMissing:
        outcome = ("COPYING_FAILED", UNREADABLE_SOURCE, None)
    else:
        copied.pop("BillableTrainingTimeInSeconds", None)  # a copy is not trained, so not billed
        outcome = ("COPYING_COMPLETED", MESSAGES["COPYING_COMPLETED"], copied)
    status, message, copied_results = outcome
    with state.lock:
        if copied_results is not None:
            version.results, version.model = copied_results, model
        version.set_status(status, message)


class _Relocation:
    """Copies a file the source's training wrote (`<Kind>-<project>-<version>.json` at its output prefix)
    to the copy's output prefix, named for the copy; other objects (the caller's manifests) stay put."""

    def __init__(self, source: ServiceState, writer: Any, source_output: dict, version: ProjectVersion):
        """Reads the source's results with the service's own client (the service's own files), writes the
        copy's with `writer` (the caller's permissions)."""
        self.source = source
        _, source_project, _, source_version, _ = (version.source_version_arn or "").split("/")[-5:]
        self.from_output = TrainingOutput(source.own_s3, source_output, source_project, source_version, None)
        destination_project = version.arn.split("/")[1]
        self.to_output = TrainingOutput(
            writer, version.output_config, destination_project, version.name, version.kms_key_id
        )

    def move(self, s3_object: dict[str, str]) -> dict[str, str]:
        bucket, key = s3_object["Bucket"], s3_object["Name"]
        kind = self.from_output.kind_of(bucket, key)
        if kind is None:
            return dict(s3_object)
        body = read_object(self.source.own_s3, bucket, key, s3_object.get("Version"))
        return self.to_output.put(kind, body)


def _rewrite(value: Any, relocation: _Relocation) -> Any:
    if isinstance(value, dict):
        if set(value) >= {"Bucket", "Name"} and isinstance(value.get("Name"), str):
            return relocation.move(value)
        return {key: _rewrite(item, relocation) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite(item, relocation) for item in value]
    return value
