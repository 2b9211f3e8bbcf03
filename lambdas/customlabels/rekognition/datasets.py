"""The project's TRAIN and TEST datasets, created or replaced from the run's manifests.

A project holds at most one TRAIN and one TEST dataset, and replacing one means deleting it first
(spec 06 §0). Every call here returns at once; the state machine's Wait loop calls `advance` until
the datasets are READY or FAILED:

    START -> DELETING (earlier datasets being deleted) -> CREATING -> READY
    READY -> SPLITTING (DistributeDatasetEntries, when there is no test manifest) -> READY
    any *_FAILED status -> FAILED (`failure`: the status message and the entries' errors)
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from customlabels.s3uri import parse_s3_uri
from customlabels.training.contract import DatasetPhase

COMPLETE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
FAILED = {"CREATE_FAILED", "UPDATE_FAILED"}
BUSY = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"}
ENTRY_ERRORS_SHOWN = 10


def project_datasets(rekognition: Any, project_name: str) -> dict[str, dict]:
    """{"TRAIN": DatasetMetadata, "TEST": ...} of the project, from DescribeProjects."""
    projects = rekognition.describe_projects(ProjectNames=[project_name])["ProjectDescriptions"]
    if not projects:
        return {}
    return {dataset["DatasetType"]: dataset for dataset in projects[0].get("Datasets", [])}


def start(rekognition: Any, settings: dict, project_arn: str, tags: dict[str, str]) -> dict:
    """Delete the project's earlier datasets, or create the new ones when there are none."""
    state = {
        "phase": DatasetPhase.DELETING, "train": None, "test": None, "split": False, "attempt": 0,
        "failure": None,
    }  # fmt: skip
    if _delete_existing(rekognition, settings["projectName"]):
        return state
    return _create(rekognition, settings, project_arn, tags, state)


def advance(rekognition: Any, settings: dict, project_arn: str, tags: dict[str, str], state: dict) -> dict:
    """One poll: move the datasets on by at most one step and report where they are."""
    state = {**state, "attempt": state["attempt"] + 1}
    if state["phase"] == DatasetPhase.DELETING:
        if _delete_existing(rekognition, settings["projectName"]):
            return state
        return _create(rekognition, settings, project_arn, tags, state)
    descriptions = {kind: _describe(rekognition, state[kind]) for kind in ("train", "test")}
    failed = {kind: d for kind, d in descriptions.items() if d["Status"] in FAILED}
    if failed:
        return {**state, "phase": DatasetPhase.FAILED, "failure": _failure_cause(rekognition, state, failed)}
    if all(d["Status"] in COMPLETE for d in descriptions.values()):
        stats = {kind: d.get("DatasetStats", {}) for kind, d in descriptions.items()}
        return {**state, "phase": DatasetPhase.READY, "stats": stats}
    return state


def split(rekognition: Any, state: dict) -> dict:
    """Move 20 % of the TRAIN entries into the empty TEST dataset (DistributeDatasetEntries)."""
    rekognition.distribute_dataset_entries(Datasets=[{"Arn": state["train"]}, {"Arn": state["test"]}])
    return {**state, "phase": DatasetPhase.SPLITTING, "split": True, "attempt": 0}


def _delete_existing(rekognition: Any, project_name: str) -> bool:
    """Ask for deletion of every remaining dataset; True while any still exists."""
    existing = project_datasets(rekognition, project_name)
    for dataset in existing.values():
        if dataset.get("Status") in BUSY:
            continue
        try:
            rekognition.delete_dataset(DatasetArn=dataset["DatasetArn"])
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("ResourceNotFoundException", "ResourceInUseException"):
                raise
    return bool(existing)


def _create(rekognition: Any, settings: dict, project_arn: str, tags: dict[str, str], state: dict) -> dict:
    train = _create_one(rekognition, project_arn, "TRAIN", settings["trainingManifest"], tags)
    test = _create_one(rekognition, project_arn, "TEST", settings["testingManifest"], tags)
    return {**state, "phase": DatasetPhase.CREATING, "train": train, "test": test}


def _create_one(
    rekognition: Any, project_arn: str, dataset_type: str, manifest: str | None, tags: dict[str, str]
) -> str:
    request: dict[str, Any] = {"ProjectArn": project_arn, "DatasetType": dataset_type, "Tags": tags}
    if manifest:
        uri = parse_s3_uri(manifest)
        request["DatasetSource"] = {
            "GroundTruthManifest": {"S3Object": {"Bucket": uri.bucket, "Name": uri.key}}
        }
    return rekognition.create_dataset(**request)["DatasetArn"]


def _describe(rekognition: Any, arn: str) -> dict:
    return rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]


def _failure_cause(rekognition: Any, state: dict, failed: dict[str, dict]) -> str:
    parts = []
    for kind, description in failed.items():
        message = f"{kind.upper()} dataset {description['Status']}: {description.get('StatusMessage', '')}"
        code = description.get("StatusMessageCode")
        errors = entry_errors(rekognition, state[kind])
        if code:
            message += f" ({code})"
        if errors:
            message += f"; entries with errors: {json.dumps(errors)}"
        parts.append(message)
    return " | ".join(parts)


def entry_errors(rekognition: Any, dataset_arn: str) -> list[dict]:
    """Up to ENTRY_ERRORS_SHOWN entries with errors: their source-ref and error codes/messages."""
    try:
        entries = rekognition.list_dataset_entries(
            DatasetArn=dataset_arn, HasErrors=True, MaxResults=ENTRY_ERRORS_SHOWN
        )["DatasetEntries"]
    except ClientError:
        return []  # a dataset that failed to create has no entries to list
    return [_entry_error(line) for line in entries]


def _entry_error(line: str) -> dict:
    entry = json.loads(line)
    errors = list(entry.get("errors", []))
    for value in entry.values():
        if isinstance(value, dict):
            errors += value.get("errors", [])
            errors += [e for annotation in value.get("annotations", []) for e in annotation.get("errors", [])]
    return {"source-ref": entry.get("source-ref"), "errors": errors}
