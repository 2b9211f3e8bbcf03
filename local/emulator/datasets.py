"""Datasets: CreateDataset, DescribeDataset, DeleteDataset, ListDatasetEntries, ListDatasetLabels,
UpdateDatasetEntries, DistributeDatasetEntries (spec 06 §3). Imports read S3 and validate lines outside
the service lock; only the status change and the new entries are applied under it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from customlabels.manifest.codes import FileError
from local.emulator import arns
from local.emulator.entries import read_entry
from local.emulator.errors import (
    InvalidParameterException,
    InvalidS3ObjectException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotReadyException,
)
from local.emulator.lifecycle import allows, transition
from local.emulator.manifest_import import (
    FILE_INVALID,
    ImportFailed,
    parse_lines,
    parse_manifest,
    split_for_test,
)
from local.emulator.paging import page, with_token
from local.emulator.projects import usable_project
from local.emulator.state import ServiceState
from local.emulator.storage import ObjectForbidden, ObjectMissing, read_object
from local.emulator.tags import apply_tags

CREATED, UPDATED = "The dataset was created successfully.", "The dataset was updated successfully."
UPDATING = "The dataset is being updated."
_SETTLED = frozenset({"UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"})


@dataclass
class Dataset:
    TRANSITIONS: ClassVar = {
        "CREATE_IN_PROGRESS": frozenset({"CREATE_COMPLETE", "CREATE_FAILED"}),
        "CREATE_COMPLETE": _SETTLED,
        "CREATE_FAILED": frozenset({"DELETE_IN_PROGRESS"}),
        "UPDATE_IN_PROGRESS": frozenset({"UPDATE_COMPLETE", "UPDATE_FAILED"}),
        "UPDATE_COMPLETE": _SETTLED,
        "UPDATE_FAILED": _SETTLED,
    }

    arn: str
    dataset_type: str
    project_arn: str
    status: str = "CREATE_IN_PROGRESS"
    status_message: str = "The dataset is being created."
    status_message_code: str = "SUCCESS"
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    entries: dict[str, str] = field(default_factory=dict)  # source-ref -> JSON line

    @property
    def ready(self) -> bool:
        """Has entries to read: created, and not being changed or deleted."""
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_FAILED")

    def set_status(self, status: str, message: str, code: str = "SUCCESS") -> None:
        transition(self, status)
        self.status_message, self.status_message_code = message, code
        self.updated = time.time()

    def labels(self) -> dict[str, tuple[int, int]]:
        """label -> (entries with it, boxes of it)."""
        counts: dict[str, tuple[int, int]] = {}
        for line in self.entries.values():
            image = read_entry(line)
            for label in image.labels:
                entries, boxes = counts.get(label, (0, 0))
                counts[label] = (entries + 1, boxes + sum(b_label == label for b_label, _ in image.boxes))
        return counts

    def stats(self) -> dict[str, int]:
        images = [read_entry(line) for line in self.entries.values()]
        return {
            "LabeledEntries": sum(image.is_labeled for image in images),
            "TotalEntries": len(images),
            "TotalLabels": len(set().union(*(image.labels for image in images))),
            "ErrorEntries": sum(image.has_errors for image in images),
        }

    def _status_fields(self) -> dict[str, Any]:
        return {
            "CreationTimestamp": self.created,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "StatusMessageCode": self.status_message_code,
        }

    def metadata(self) -> dict[str, Any]:
        return {**self._status_fields(), "DatasetType": self.dataset_type, "DatasetArn": self.arn}

    def describe(self) -> dict[str, Any]:
        return {**self._status_fields(), "LastUpdatedTimestamp": self.updated, "DatasetStats": self.stats()}


def create_dataset(state: ServiceState, request: dict) -> dict:
    dataset_type = request["DatasetType"]
    source = request.get("DatasetSource") or {}
    manifest = (source.get("GroundTruthManifest") or {}).get("S3Object")
    if "GroundTruthManifest" in source and not (manifest and manifest.get("Bucket") and manifest.get("Name")):
        raise InvalidParameterException("GroundTruthManifest.S3Object needs a Bucket and a Name.")
    if manifest is not None:
        _require_object(state, manifest)
    with state.lock:
        project = usable_project(state, request.get("ProjectArn"))
        if dataset_type in project.datasets:
            raise ResourceAlreadyExistsException(
                f"The project {project.name} already has a {dataset_type} dataset: delete it first."
            )
        copied = state.dataset(source["DatasetArn"])[1] if "DatasetArn" in source else None
        if copied is not None and not copied.ready:
            raise InvalidParameterException(
                f"The dataset {copied.arn} is {copied.status}; copy it once it is created or updated."
            )
        arn = arns.dataset_arn(state.region, state.account, project.name, dataset_type, state.stamp())
        apply_tags(state, arn, request.get("Tags") or {})
        dataset = Dataset(arn, dataset_type, project.arn)
        project.datasets[dataset_type] = dataset
        entries = dict(copied.entries) if copied is not None else {}

    s3 = state.s3  # the caller's view: the import runs later, outside this request

    def read() -> dict[str, str]:
        return parse_manifest(_manifest_text(s3, manifest)).entries if manifest is not None else entries

    _import(state, [dataset], read, "CREATE", CREATED)
    return {"DatasetArn": arn}


def _require_object(state: ServiceState, s3_object: dict) -> None:
    """CreateDataset refuses a manifest that does not exist on the call (InvalidS3ObjectException is among
    the operation's errors in botocore's model; docs/decisions.md). The service looks with its own
    client: a manifest its caller may not read fails the dataset later, as the guide's permission error."""
    version = {"VersionId": s3_object["Version"]} if s3_object.get("Version") else {}
    try:
        state.own_s3.head_object(Bucket=s3_object["Bucket"], Key=s3_object["Name"], **version)
    except ClientError:
        raise InvalidS3ObjectException(
            f"Unable to get object metadata from S3: s3://{s3_object['Bucket']}/{s3_object['Name']} does "
            "not exist or cannot be read. Check the bucket, the key and the Region."
        ) from None


def _manifest_text(s3: Any, s3_object: dict) -> str:
    try:
        return read_object(s3, s3_object["Bucket"], s3_object["Name"], s3_object.get("Version")).decode()
    except ObjectForbidden:  # spec 02 §9.1: ERROR_INVALID_PERMISSIONS_MANIFEST_S3_BUCKET
        raise ImportFailed(FileError.PERMISSIONS.value) from None
    except (ObjectMissing, UnicodeDecodeError):
        raise ImportFailed(FILE_INVALID) from None


def _import(
    state: ServiceState,
    datasets: list[Dataset],
    read: Callable[[], dict[str, str] | tuple[dict[str, str], ...]],
    operation: str,
    success: str,
) -> None:
    """After the dataset delay, compute the new entries (outside the lock), then set them and the
    status of every dataset in `datasets` (a tuple from `read` gives one entry set per dataset)."""

    def work() -> None:
        try:
            result = read()
            outcome = ("COMPLETE", success, "SUCCESS", result if isinstance(result, tuple) else (result,))
        except ImportFailed as failure:
            outcome = ("FAILED", failure.message, failure.code, None)
        status, message, code, new_entries = outcome
        with state.lock:
            for index, dataset in enumerate(datasets):
                if new_entries is not None:
                    dataset.entries = new_entries[index]
                dataset.set_status(f"{operation}_{status}", message, code)

    state.scheduler.submit(state.delays.seconds("dataset"), work)


def describe_dataset(state: ServiceState, request: dict) -> dict:
    with state.lock:
        return {"DatasetDescription": state.dataset(request.get("DatasetArn"))[1].describe()}


def delete_dataset(state: ServiceState, request: dict) -> dict:
    with state.lock:
        project, dataset = state.dataset(request.get("DatasetArn"))
        if not allows(dataset, "DELETE_IN_PROGRESS"):
            raise ResourceInUseException(f"The dataset is {dataset.status}; wait for it to finish.")
        dataset.set_status("DELETE_IN_PROGRESS", "The dataset is being deleted.")

        def forget() -> None:
            if project.datasets.get(dataset.dataset_type) is dataset:
                del project.datasets[dataset.dataset_type]
            state.forget(dataset.arn)

        state.later(state.delays.seconds("deleting"), forget)
    return {}


def list_dataset_entries(state: ServiceState, request: dict) -> dict:
    contains = request.get("ContainsLabels")
    labeled, has_errors = request.get("Labeled"), request.get("HasErrors")
    fragment = request.get("SourceRefContains")
    with state.lock:
        dataset = _ready(state, request.get("DatasetArn"))
        selected = []
        for source_ref, line in sorted(dataset.entries.items()):
            image = read_entry(line)
            if (
                (contains and not image.labels.intersection(contains))
                or (labeled is not None and image.is_labeled != labeled)
                or (has_errors is not None and image.has_errors != has_errors)
                or (fragment and fragment not in source_ref)
            ):
                continue
            selected.append(line)
        found, token = page(selected, request, "ListDatasetEntries")
    return with_token({"DatasetEntries": found}, token)


def list_dataset_labels(state: ServiceState, request: dict) -> dict:
    with state.lock:
        dataset = _ready(state, request.get("DatasetArn"))
        labels = [
            {"LabelName": name, "LabelStats": {"EntryCount": entries, "BoundingBoxCount": boxes}}
            for name, (entries, boxes) in sorted(dataset.labels().items())
        ]
        found, token = page(labels, request, "ListDatasetLabels")
    return with_token({"DatasetLabelDescriptions": found}, token)


def _ready(state: ServiceState, arn: str | None) -> Dataset:
    dataset = state.dataset(arn)[1]
    if not dataset.ready:
        raise ResourceNotReadyException(f"The dataset is {dataset.status}; it has no entries to list yet.")
    return dataset


def update_dataset_entries(state: ServiceState, request: dict) -> dict:
    blob = request["Changes"]["GroundTruth"]
    text = blob.decode() if isinstance(blob, bytes) else str(blob)
    if not text.strip():
        raise InvalidParameterException("Changes.GroundTruth must hold at least one JSON line.")
    _require_json_lines(text)
    with state.lock:
        dataset = state.dataset(request.get("DatasetArn"))[1]
        if not allows(dataset, "UPDATE_IN_PROGRESS"):
            raise ResourceInUseException(f"The dataset is {dataset.status}; it cannot be updated now.")
        dataset.set_status("UPDATE_IN_PROGRESS", UPDATING)
        existing = dict(dataset.entries)
    _import(state, [dataset], lambda: parse_lines(text, existing).entries, "UPDATE", UPDATED)
    return {}


def _require_json_lines(text: str) -> None:
    """UpdateDatasetEntries refuses a line that is not a JSON object on the call (docs/decisions.md)."""
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            is_object = not line.strip() or isinstance(json.loads(line), dict)
        except json.JSONDecodeError:
            is_object = False
        if not is_object:
            raise InvalidParameterException(
                f"Changes.GroundTruth line {number} is not a JSON object: send one JSON Lines entry per "
                "image (a source-ref and its label attributes)."
            )


def distribute_dataset_entries(state: ServiceState, request: dict) -> dict:
    given = [item.get("Arn") for item in request["Datasets"]]  # two, as botocore's model bounds the list
    with state.lock:
        found = [state.dataset(arn) for arn in given]
        by_type = {dataset.dataset_type: (project, dataset) for project, dataset in found}
        if set(by_type) != {"TRAIN", "TEST"}:
            raise InvalidParameterException("Datasets must be one TRAIN and one TEST dataset.")
        (train_project, train), (test_project, test) = by_type["TRAIN"], by_type["TEST"]
        if train_project is not test_project:
            raise InvalidParameterException("The TRAIN and TEST datasets must belong to the same project.")
        for dataset in (train, test):
            if not (dataset.ready and allows(dataset, "UPDATE_IN_PROGRESS")):
                raise ResourceNotReadyException(
                    f"The {dataset.dataset_type} dataset is {dataset.status}; wait for it to finish."
                )
        if test.entries:
            raise InvalidParameterException(
                f"The TEST dataset must be empty to distribute into it; it has {len(test.entries)} entries."
            )
        for dataset in (train, test):
            dataset.set_status("UPDATE_IN_PROGRESS", UPDATING)
        entries = dict(train.entries)
    _import(state, [train, test], lambda: split_for_test(entries, train.arn), "UPDATE", UPDATED)
    return {}
