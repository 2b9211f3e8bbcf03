"""The Custom Labels control and data plane: one instance per account and region, no moto imports.

Each public method is one API operation: it takes the request parameters as boto3 sends them
(PascalCase keys) and returns the response body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from local.emulator import arns
from local.emulator.capacity import FaultInjector, InferenceCapacity
from local.emulator.datasets import ImportFailed, parse_lines, parse_manifest, split_for_test
from local.emulator.detection import detect
from local.emulator.entries import read_entry
from local.emulator.errors import (
    InvalidParameterException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceNotReadyException,
    ServiceQuotaExceededException,
    ValidationException,
)
from local.emulator.resources import SERVICE_ISSUE, Dataset, Project, ProjectVersion
from local.emulator.scheduler import BackgroundScheduler, ManualScheduler
from local.emulator.settings import ServiceSettings
from local.emulator.storage import ObjectMissing, read_object
from local.emulator.training import TrainingRequest, run_training

MAX_UPDATE_BYTES = 5 * 1024 * 1024
MAX_TAGS = 200
MAX_INFERENCE_UNITS = 10
MAX_CONCURRENT_TRAININGS = 4


class CustomLabelsBackend:
    def __init__(
        self,
        s3,
        region: str = "us-east-1",
        account: str = "123456789012",
        settings: ServiceSettings | None = None,
        scheduler: BackgroundScheduler | ManualScheduler | None = None,
    ) -> None:
        self.s3 = s3  # boto3 S3 client reaching the same S3 as the caller
        self.region, self.account = region, account
        self.settings = settings or ServiceSettings()
        self.scheduler = scheduler or BackgroundScheduler()
        self.faults = FaultInjector(self.settings.faults, self.settings.seed)
        self._lock = threading.RLock()
        self._projects: dict[str, Project] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self._capacity: dict[str, InferenceCapacity] = {}
        self._last_stamp = 0

    def shutdown(self) -> None:
        self.scheduler.shutdown()

    def _stamp(self) -> int:
        with self._lock:
            self._last_stamp = max(self._last_stamp + 1, arns.epoch_millis())
            return self._last_stamp

    def _later(self, delay: float, job: Callable[[], None]) -> None:
        def locked() -> None:
            with self._lock:
                job()

        self.scheduler.submit(delay, locked)

    # ---------------------------------------------------------------- lookups
    def _project(self, arn: str) -> Project:
        arns.require_project_arn(arn)
        project = self._projects.get(arn)
        if project is None:
            raise ResourceNotFoundException(f"The project {arn} does not exist.")
        return project

    def _dataset(self, arn: str) -> tuple[Project, Dataset]:
        for project in self._projects.values():
            for dataset in project.datasets.values():
                if dataset.arn == arn:
                    return project, dataset
        raise ResourceNotFoundException(f"The dataset {arn} does not exist.")

    def _version(self, arn: str) -> tuple[Project, ProjectVersion]:
        for project in self._projects.values():
            for version in project.versions.values():
                if version.arn == arn:
                    return project, version
        raise ResourceNotFoundException(f"The model {arn} does not exist.")

    def _resource_exists(self, arn: str) -> bool:
        for finder in (self._project, self._dataset, self._version):
            try:
                finder(arn)
                return True
            except (ResourceNotFoundException, InvalidParameterException):
                continue
        return False

    # ---------------------------------------------------------------- projects
    def create_project(self, request: dict) -> dict:
        name = arns.require_name(request.get("ProjectName"), "ProjectName")
        with self._lock:
            if any(p.name == name for p in self._projects.values()):
                raise ResourceInUseException(f"A project named {name} already exists.")
            arn = arns.project_arn(self.region, self.account, name, self._stamp())
            self._projects[arn] = Project(arn, name)
            self._apply_tags(arn, request.get("Tags") or {})
        return {"ProjectArn": arn}

    def describe_projects(self, request: dict) -> dict:
        names = request.get("ProjectNames")
        with self._lock:
            projects = [p for p in self._projects.values() if names is None or p.name in names]
            page, token = _page(sorted(projects, key=lambda p: p.created), request)
            return _with_token({"ProjectDescriptions": [p.describe() for p in page]}, token)

    def delete_project(self, request: dict) -> dict:
        with self._lock:
            project = self._project(request.get("ProjectArn"))
            if project.versions:
                raise ResourceInUseException(
                    f"The project {project.name} still has {len(project.versions)} model(s): "
                    "delete them first."
                )
            if project.datasets:
                raise ResourceInUseException(
                    f"The project {project.name} still has datasets: delete them first."
                )
            project.status = "DELETING"
            self._later(self.settings.delays.deleting, lambda: self._forget_project(project.arn))
            return {"Status": "DELETING"}

    def _forget_project(self, arn: str) -> None:
        self._projects.pop(arn, None)
        self._tags.pop(arn, None)

    # ---------------------------------------------------------------- datasets
    def create_dataset(self, request: dict) -> dict:
        dataset_type = request.get("DatasetType")
        if dataset_type not in ("TRAIN", "TEST"):
            raise InvalidParameterException(f"DatasetType must be TRAIN or TEST, not {dataset_type!r}.")
        source = request.get("DatasetSource") or {}
        with self._lock:
            project = self._project(request.get("ProjectArn"))
            if dataset_type in project.datasets:
                raise ResourceAlreadyExistsException(
                    f"The project {project.name} already has a {dataset_type} dataset: delete it first."
                )
            copied = self._dataset(source["DatasetArn"])[1] if "DatasetArn" in source else None
            if copied is not None and copied.busy:
                raise ResourceInUseException(
                    f"The dataset {copied.arn} is {copied.status}; wait for it to finish."
                )
            manifest = (source.get("GroundTruthManifest") or {}).get("S3Object")
            if "GroundTruthManifest" in source and not (
                manifest and manifest.get("Bucket") and manifest.get("Name")
            ):
                raise InvalidParameterException("GroundTruthManifest.S3Object needs a Bucket and a Name.")
            arn = arns.dataset_arn(self.region, self.account, project.name, dataset_type, self._stamp())
            dataset = Dataset(arn, dataset_type, project.arn)
            project.datasets[dataset_type] = dataset
            self._apply_tags(arn, request.get("Tags") or {})
            entries = dict(copied.entries) if copied is not None else None
        self._later(self.settings.delays.dataset, lambda: self._fill_dataset(dataset, manifest, entries))
        return {"DatasetArn": arn}

    def _fill_dataset(self, dataset: Dataset, manifest: dict | None, entries: dict[str, str] | None) -> None:
        try:
            if manifest is not None:
                dataset.entries = parse_manifest(self._read_manifest(manifest)).entries
            elif entries is not None:
                dataset.entries = entries
        except ImportFailed as failure:
            dataset.set_status("CREATE_FAILED", failure.message, failure.code)
            return
        dataset.set_status("CREATE_COMPLETE", "The dataset was created successfully.")

    def _read_manifest(self, s3_object: dict) -> str:
        try:
            return read_object(
                self.s3, s3_object["Bucket"], s3_object["Name"], s3_object.get("Version")
            ).decode()
        except (ObjectMissing, UnicodeDecodeError):
            raise ImportFailed("The manifest file extension or contents are invalid.") from None

    def describe_dataset(self, request: dict) -> dict:
        with self._lock:
            return {"DatasetDescription": self._dataset(request.get("DatasetArn"))[1].describe()}

    def delete_dataset(self, request: dict) -> dict:
        with self._lock:
            project, dataset = self._dataset(request.get("DatasetArn"))
            if dataset.busy:
                raise ResourceInUseException(f"The dataset is {dataset.status}; wait for it to finish.")
            dataset.set_status("DELETE_IN_PROGRESS", "The dataset is being deleted.")

            def forget() -> None:
                if project.datasets.get(dataset.dataset_type) is dataset:
                    del project.datasets[dataset.dataset_type]
                self._tags.pop(dataset.arn, None)

            self._later(self.settings.delays.deleting, forget)
        return {}

    def list_dataset_entries(self, request: dict) -> dict:
        contains = request.get("ContainsLabels")
        labeled, has_errors = request.get("Labeled"), request.get("HasErrors")
        fragment = request.get("SourceRefContains")
        if contains is not None and not 1 <= len(contains) <= 10:
            raise InvalidParameterException("ContainsLabels takes 1 to 10 label names.")
        with self._lock:
            dataset = self._dataset(request.get("DatasetArn"))[1]
            self._require_ready(dataset)
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
            page, token = _page(selected, request)
        return _with_token({"DatasetEntries": page}, token)

    def list_dataset_labels(self, request: dict) -> dict:
        with self._lock:
            dataset = self._dataset(request.get("DatasetArn"))[1]
            self._require_ready(dataset)
            labels = [
                {"LabelName": name, "LabelStats": {"EntryCount": entries, "BoundingBoxCount": boxes}}
                for name, (entries, boxes) in sorted(dataset.labels().items())
            ]
            page, token = _page(labels, request)
        return _with_token({"DatasetLabelDescriptions": page}, token)

    @staticmethod
    def _require_ready(dataset: Dataset) -> None:
        if dataset.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_FAILED"):
            raise ResourceNotReadyException(
                f"The dataset is {dataset.status}; it has no entries to list yet."
            )

    def update_dataset_entries(self, request: dict) -> dict:
        blob = (request.get("Changes") or {}).get("GroundTruth")
        if not blob:
            raise InvalidParameterException("Changes.GroundTruth must hold at least one JSON line.")
        text = blob.decode() if isinstance(blob, bytes) else str(blob)
        if len(text.encode()) >= MAX_UPDATE_BYTES:
            raise InvalidParameterException(
                "Changes.GroundTruth must be under 5 MB: split the update in chunks."
            )
        with self._lock:
            dataset = self._dataset(request.get("DatasetArn"))[1]
            if dataset.busy or dataset.status == "CREATE_FAILED":
                raise ResourceInUseException(f"The dataset is {dataset.status}; it cannot be updated now.")
            dataset.set_status("UPDATE_IN_PROGRESS", "The dataset is being updated.")

            def apply() -> None:
                try:
                    dataset.entries = parse_lines(text, dataset.entries).entries
                except ImportFailed as failure:
                    dataset.set_status("UPDATE_FAILED", failure.message, failure.code)
                    return
                dataset.set_status("UPDATE_COMPLETE", "The dataset was updated successfully.")

            self._later(self.settings.delays.dataset, apply)
        return {}

    def distribute_dataset_entries(self, request: dict) -> dict:
        given = [item.get("Arn") for item in request.get("Datasets") or []]
        if len(given) != 2:
            raise InvalidParameterException(
                "Datasets must list exactly two datasets: the TRAIN and the TEST one."
            )
        with self._lock:
            found = [self._dataset(arn) for arn in given]
            by_type = {dataset.dataset_type: (project, dataset) for project, dataset in found}
            if set(by_type) != {"TRAIN", "TEST"}:
                raise InvalidParameterException("Datasets must be one TRAIN and one TEST dataset.")
            (train_project, train), (test_project, test) = by_type["TRAIN"], by_type["TEST"]
            if train_project is not test_project:
                raise InvalidParameterException(
                    "The TRAIN and TEST datasets must belong to the same project."
                )
            if train.busy or test.busy:
                raise ResourceInUseException(
                    "A dataset is still being created or updated; wait for it to finish."
                )
            if test.entries:
                raise InvalidParameterException(
                    f"The TEST dataset must be empty to distribute into it; "
                    f"it has {len(test.entries)} entries."
                )
            for dataset in (train, test):
                dataset.set_status("UPDATE_IN_PROGRESS", "The dataset is being updated.")

            def apply() -> None:
                try:
                    train.entries, test.entries = split_for_test(train.entries, train.arn)
                except ImportFailed as failure:
                    for dataset in (train, test):
                        dataset.set_status("UPDATE_FAILED", failure.message, failure.code)
                    return
                for dataset in (train, test):
                    dataset.set_status("UPDATE_COMPLETE", "The dataset was updated successfully.")

            self._later(self.settings.delays.dataset, apply)
        return {}

    # ---------------------------------------------------------------- model versions
    def create_project_version(self, request: dict) -> dict:
        name = arns.require_name(request.get("VersionName"), "VersionName")
        output = request.get("OutputConfig") or {}
        if not output.get("S3Bucket"):
            raise InvalidParameterException("OutputConfig.S3Bucket is required: where training results go.")
        training, testing = request.get("TrainingData"), request.get("TestingData")
        with self._lock:
            project = self._project(request.get("ProjectArn"))
            if name in project.versions:
                raise ResourceInUseException(
                    f"The version name {name} is already used in project {project.name}."
                )
            sources = self._training_sources(project, training, testing)
            if (
                sum(
                    v.status == "TRAINING_IN_PROGRESS"
                    for p in self._projects.values()
                    for v in p.versions.values()
                )
                >= MAX_CONCURRENT_TRAININGS
            ):
                raise LimitExceededException(
                    f"At most {MAX_CONCURRENT_TRAININGS} models can train at once; wait for one to finish."
                )
            arn = arns.version_arn(self.region, self.account, project.name, name, self._stamp())
            version = ProjectVersion(
                arn,
                name,
                project.arn,
                {"S3Bucket": output["S3Bucket"], "S3KeyPrefix": output.get("S3KeyPrefix", "")},
                training,
                testing,
                request.get("KmsKeyId"),
            )
            project.versions[name] = version
            self._apply_tags(arn, request.get("Tags") or {})
        job = TrainingRequest(
            project.name,
            name,
            arn,
            version.output_config,
            *sources,
            kms_key_id=request.get("KmsKeyId"),
            seed=self.settings.seed or 0,
        )
        self.scheduler.submit(self.settings.delays.training, lambda: self._train(version, job))
        return {"ProjectVersionArn": arn}

    def _training_sources(self, project: Project, training: dict | None, testing: dict | None):
        """(training lines or S3 object, testing lines or S3 object or None for auto-split)."""
        if training is not None or testing is not None:
            if training is None or testing is None:
                raise InvalidParameterException("TrainingData and TestingData must be given together.")
            if project.datasets:
                raise InvalidParameterException(
                    "The project has datasets: train from them, "
                    "or use a project without datasets for manifests."
                )
            train_object = _single_manifest(training, "TrainingData")
            if testing.get("AutoCreate"):
                return train_object, None
            return train_object, _single_manifest(testing, "TestingData")
        train, test = project.datasets.get("TRAIN"), project.datasets.get("TEST")
        if train is None or test is None:
            raise InvalidParameterException(
                "The project needs a TRAIN and a TEST dataset (or pass TrainingData and TestingData)."
            )
        for dataset in (train, test):
            if dataset.busy:
                raise ResourceInUseException(f"The {dataset.dataset_type} dataset is {dataset.status}.")
            if dataset.status == "CREATE_FAILED":
                raise InvalidParameterException(f"The {dataset.dataset_type} dataset failed to create.")
            if not dataset.entries:
                raise InvalidParameterException(
                    f"The {dataset.dataset_type} dataset has no entries: add some with UpdateDatasetEntries."
                )
        return _as_manifest(train.entries), _as_manifest(test.entries)

    def _train(self, version: ProjectVersion, job: TrainingRequest) -> None:
        started = time.monotonic()
        try:
            outcome = run_training(job, self.s3)
        except Exception:
            with self._lock:
                version.set_status("TRAINING_FAILED", SERVICE_ISSUE)
            raise
        with self._lock:
            version.results = dict(outcome.results)
            version.model = outcome.model
            if outcome.model is not None:
                version.results["BillableTrainingTimeInSeconds"] = max(1, round(time.monotonic() - started))
            version.results["TrainingEndTimestamp"] = time.time()
            version.set_status(outcome.status, outcome.message)

    def describe_project_versions(self, request: dict) -> dict:
        names = request.get("VersionNames")
        if names is not None and not 1 <= len(names) <= 10:
            raise InvalidParameterException("VersionNames takes 1 to 10 names.")
        with self._lock:
            project = self._project(request.get("ProjectArn"))
            versions = sorted(
                (v for v in project.versions.values() if names is None or v.name in names),
                key=lambda v: v.created,
                reverse=True,
            )
            page, token = _page(versions, request)
            return _with_token({"ProjectVersionDescriptions": [v.describe() for v in page]}, token)

    def start_project_version(self, request: dict) -> dict:
        minimum, maximum = request.get("MinInferenceUnits"), request.get("MaxInferenceUnits")
        if not isinstance(minimum, int) or minimum < 1:
            raise InvalidParameterException("MinInferenceUnits must be an integer of at least 1.")
        if maximum is not None and (not isinstance(maximum, int) or maximum < minimum):
            raise InvalidParameterException(
                "MaxInferenceUnits must be an integer not below MinInferenceUnits."
            )
        if max(minimum, maximum or 0) > MAX_INFERENCE_UNITS:
            raise LimitExceededException(f"A model can use at most {MAX_INFERENCE_UNITS} inference units.")
        with self._lock:
            _, version = self._version(request.get("ProjectVersionArn"))
            if version.status not in ("TRAINING_COMPLETED", "STOPPED", "FAILED"):
                raise ResourceInUseException(
                    f"The model is {version.status}; it can only be started once trained "
                    "(TRAINING_COMPLETED) or stopped (STOPPED)."
                )
            version.set_status("STARTING")
            version.min_units, version.max_units = minimum, maximum

            def running() -> None:
                if version.status == "STARTING":
                    self._capacity[version.arn] = InferenceCapacity(
                        self.settings.requests_per_second_per_unit, minimum, maximum
                    )
                    version.set_status("RUNNING")

            self._later(self.settings.delays.starting, running)
            return {"Status": version.status}

    def stop_project_version(self, request: dict) -> dict:
        with self._lock:
            _, version = self._version(request.get("ProjectVersionArn"))
            if version.status not in ("RUNNING", "STARTING"):
                raise ResourceInUseException(
                    f"The model is {version.status}; only a running model can be stopped."
                )
            version.set_status("STOPPING")
            self._capacity.pop(version.arn, None)

            def stopped() -> None:
                if version.status == "STOPPING":
                    version.set_status("STOPPED")

            self._later(self.settings.delays.stopping, stopped)
            return {"Status": version.status}

    def delete_project_version(self, request: dict) -> dict:
        with self._lock:
            project, version = self._version(request.get("ProjectVersionArn"))
            if version.status in ("RUNNING", "STARTING", "STOPPING", "TRAINING_IN_PROGRESS", "DELETING"):
                raise ResourceInUseException(
                    f"The model is {version.status}: stop it or wait for training to finish "
                    "before deleting it."
                )
            version.set_status("DELETING")

            def forget() -> None:
                project.versions.pop(version.name, None)
                self._tags.pop(version.arn, None)

            self._later(self.settings.delays.deleting, forget)
            return {"Status": "DELETING"}

    # ---------------------------------------------------------------- detection
    def detect_custom_labels(self, request: dict) -> dict:
        min_confidence = request.get("MinConfidence")
        max_results = request.get("MaxResults")
        if min_confidence is not None and not 0 <= float(min_confidence) <= 100:
            raise InvalidParameterException("MinConfidence must be between 0 and 100.")
        if max_results is not None and int(max_results) < 0:
            raise InvalidParameterException("MaxResults must be 0 or more.")
        with self._lock:
            _, version = self._version(request.get("ProjectVersionArn"))
            if version.status != "RUNNING":
                raise ResourceNotReadyException(
                    f"The model is {version.status}; start it and wait for RUNNING "
                    "before calling DetectCustomLabels."
                )
            capacity, model = self._capacity[version.arn], version.model
        capacity.admit()
        labels = detect(model, request.get("Image") or {}, self.s3, min_confidence, max_results)
        return {"CustomLabels": labels}

    # ---------------------------------------------------------------- tags
    def tag_resource(self, request: dict) -> dict:
        with self._lock:
            self._require_resource(request.get("ResourceArn"))
            self._apply_tags(request["ResourceArn"], request.get("Tags") or {})
        return {}

    def untag_resource(self, request: dict) -> dict:
        keys = request.get("TagKeys") or []
        with self._lock:
            self._require_resource(request.get("ResourceArn"))
            for key in _valid_keys(keys):
                self._tags.get(request["ResourceArn"], {}).pop(key, None)
        return {}

    def list_tags_for_resource(self, request: dict) -> dict:
        with self._lock:
            self._require_resource(request.get("ResourceArn"))
            return {"Tags": dict(self._tags.get(request["ResourceArn"], {}))}

    def _require_resource(self, arn: str | None) -> None:
        if not arn or not self._resource_exists(arn):
            raise ResourceNotFoundException(f"The resource {arn} does not exist.")

    def _apply_tags(self, arn: str, tags: dict[str, str]) -> None:
        _valid_keys(tags)
        for key, value in tags.items():
            if not isinstance(value, str) or len(value) > 256:
                raise InvalidParameterException(
                    f"The value of tag {key} must be a string of at most 256 characters."
                )
        merged = {**self._tags.get(arn, {}), **tags}
        if len(merged) > MAX_TAGS:
            raise ServiceQuotaExceededException(
                f"A resource can have at most {MAX_TAGS} tags; this makes {len(merged)}."
            )
        self._tags[arn] = merged


def _valid_keys(keys: Iterable[str]) -> Iterable[str]:
    for key in keys:
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.startswith("aws:"):
            raise InvalidParameterException(
                f"Tag key {key!r} is invalid: use 1-128 characters and do not start with 'aws:'."
            )
    return keys


def _page(items: list, request: dict) -> tuple[list, str | None]:
    size = request.get("MaxResults") or 100
    if not 1 <= int(size) <= 100:
        raise ValidationException("MaxResults must be between 1 and 100.")
    token = request.get("NextToken") or "0"
    if not token.isdigit():
        raise InvalidParameterException("NextToken is not a token this service returned.")
    start = int(token)
    end = start + int(size)
    return items[start:end], (str(end) if end < len(items) else None)


def _with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    return {**response, "NextToken": token} if token else response


def _single_manifest(data: dict, field: str) -> dict:
    assets = data.get("Assets") or []
    if len(assets) != 1 or "GroundTruthManifest" not in assets[0]:
        raise InvalidParameterException(f"{field}.Assets must hold exactly one GroundTruthManifest.")
    s3_object = assets[0]["GroundTruthManifest"].get("S3Object") or {}
    if not s3_object.get("Bucket") or not s3_object.get("Name"):
        raise InvalidParameterException(f"{field} GroundTruthManifest.S3Object needs a Bucket and a Name.")
    return s3_object


def _as_manifest(entries: dict[str, str]) -> str:
    return "".join(line + "\n" for _, line in sorted(entries.items()))
