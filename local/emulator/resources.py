"""The service's resources and how DescribeX presents them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from local.emulator.entries import read_entry

MESSAGES = {
    "TRAINING_IN_PROGRESS": "The model is being trained.",
    "TRAINING_COMPLETED": "The model is ready to run.",
    "STARTING": "The model is starting.",
    "RUNNING": "The model is running.",
    "STOPPING": "The model is stopping.",
    "STOPPED": "The model has stopped running.",
    "DELETING": "The model is being deleted.",
}
SERVICE_ISSUE = "Amazon Rekognition experienced a service issue."
BUSY_DATASET = ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS")


@dataclass
class Dataset:
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
    def busy(self) -> bool:
        return self.status in BUSY_DATASET

    def set_status(self, status: str, message: str, code: str = "SUCCESS") -> None:
        self.status, self.status_message, self.status_message_code = status, message, code
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

    def metadata(self) -> dict[str, Any]:
        return {
            "CreationTimestamp": self.created,
            "DatasetType": self.dataset_type,
            "DatasetArn": self.arn,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "StatusMessageCode": self.status_message_code,
        }

    def describe(self) -> dict[str, Any]:
        return {
            "CreationTimestamp": self.created,
            "LastUpdatedTimestamp": self.updated,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "StatusMessageCode": self.status_message_code,
            "DatasetStats": self.stats(),
        }


@dataclass
class ProjectVersion:
    arn: str
    name: str
    project_arn: str
    output_config: dict[str, str]
    training_data: dict | None = None
    testing_data: dict | None = None
    kms_key_id: str | None = None
    status: str = "TRAINING_IN_PROGRESS"
    status_message: str = MESSAGES["TRAINING_IN_PROGRESS"]
    created: float = field(default_factory=time.time)
    results: dict[str, Any] = field(default_factory=dict)  # fields filled in by training
    min_units: int | None = None
    max_units: int | None = None
    model: Any = None

    def set_status(self, status: str, message: str | None = None) -> None:
        self.status = status
        self.status_message = message if message is not None else MESSAGES.get(status, "")

    def describe(self) -> dict[str, Any]:
        description = {
            "ProjectVersionArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "OutputConfig": self.output_config,
            "Feature": "CUSTOM_LABELS",
            **self.results,
        }
        if self.kms_key_id:
            description["KmsKeyId"] = self.kms_key_id
        if self.min_units is not None:
            description["MinInferenceUnits"] = self.min_units
        if self.max_units is not None:
            description["MaxInferenceUnits"] = self.max_units
        return description


@dataclass
class Project:
    arn: str
    name: str
    status: str = "CREATED"
    created: float = field(default_factory=time.time)
    datasets: dict[str, Dataset] = field(default_factory=dict)  # TRAIN / TEST
    versions: dict[str, ProjectVersion] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "ProjectArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "Feature": "CUSTOM_LABELS",
            "Datasets": [d.metadata() for d in sorted(self.datasets.values(), key=lambda d: d.dataset_type)],
        }
