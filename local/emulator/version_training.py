"""CreateProjectVersion: train a model from the project's datasets or from manifests (spec 03)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from local.emulator import arns
from local.emulator.errors import InvalidParameterException, LimitExceededException, ResourceInUseException
from local.emulator.projects import CUSTOM_LABELS, Project, usable_project
from local.emulator.state import ServiceState
from local.emulator.tags import apply_tags
from local.emulator.training import TrainingOutcome, TrainingRequest
from local.emulator.versions import SERVICE_ISSUE, ProjectVersion, output_config, require_output_bucket

MAX_CONCURRENT_TRAININGS = 4
Trainer = Callable[[TrainingRequest, Any], TrainingOutcome]  # (job, S3 client of the caller)
Source = str | dict  # manifest text or the S3Object of a manifest


def create_project_version(state: ServiceState, request: dict, trainer: Trainer) -> dict:
    name = request["VersionName"]
    output = output_config(request)
    require_output_bucket(state, output)
    with state.lock:
        project = usable_project(state, request.get("ProjectArn"))
        if project.feature != CUSTOM_LABELS:
            raise InvalidParameterException(
                f"The project {project.name} is a {project.feature} project: the local service trains "
                "Custom Labels models only."
            )
        if name in project.versions:
            raise ResourceInUseException(
                f"The version name {name} is already used in project {project.name}."
            )
        training, testing = _training_sources(
            project, request.get("TrainingData"), request.get("TestingData")
        )
        training_now = sum(
            v.status == "TRAINING_IN_PROGRESS" for p in state.projects.values() for v in p.versions.values()
        )
        if training_now >= MAX_CONCURRENT_TRAININGS:
            raise LimitExceededException(
                f"At most {MAX_CONCURRENT_TRAININGS} models can train at once; wait for one to finish."
            )
        arn = arns.version_arn(state.region, state.account, project.name, name, state.stamp())
        apply_tags(state, arn, request.get("Tags") or {})
        version = ProjectVersion(
            arn, name, project.arn, output, request.get("KmsKeyId"), request.get("VersionDescription")
        )
        project.versions[name] = version
        images = sum(1 for line in training.splitlines() if line.strip()) if isinstance(training, str) else 0
    job = TrainingRequest(
        project.name, name, arn, output, training, testing, request.get("KmsKeyId"), state.settings.seed or 0
    )
    s3 = state.s3  # the caller's view: training reads and writes with the caller's permissions
    state.scheduler.submit(
        state.delays.seconds("training", images), lambda: _train(state, version, job, s3, trainer), "long"
    )
    return {"ProjectVersionArn": arn}


def _training_sources(
    project: Project, training: dict | None, testing: dict | None
) -> tuple[Source, Source | None]:
    """(training source, testing source or None for the 80/20 split at training time)."""
    if training is not None or testing is not None:
        if training is None or testing is None:
            raise InvalidParameterException("TrainingData and TestingData must be given together.")
        if project.datasets:
            raise InvalidParameterException(
                "The project has datasets: train from them, or use a project without datasets for manifests."
            )
        train_object = _single_manifest(training, "TrainingData")
        if testing.get("AutoCreate"):
            return train_object, None
        return train_object, _single_manifest(testing, "TestingData")
    train, test = project.datasets.get("TRAIN"), project.datasets.get("TEST")
    if train is None:
        raise InvalidParameterException(
            "The project needs a TRAIN dataset (or pass TrainingData and TestingData)."
        )
    for dataset in (train, test):
        if dataset is None:
            continue
        if not dataset.ready:
            raise ResourceInUseException(f"The {dataset.dataset_type} dataset is {dataset.status}.")
        if not dataset.entries:
            raise InvalidParameterException(
                f"The {dataset.dataset_type} dataset has no entries: add some with UpdateDatasetEntries."
            )
    return _as_manifest(train.entries), (_as_manifest(test.entries) if test is not None else None)


def _train(
    state: ServiceState, version: ProjectVersion, job: TrainingRequest, s3: Any, trainer: Trainer
) -> None:
    started = time.monotonic()
    try:
        outcome = trainer(job, s3)
    except Exception:
        with state.lock:
            version.set_status("TRAINING_FAILED", SERVICE_ISSUE)
        raise
    with state.lock:
        version.results = dict(outcome.results)
        version.model = outcome.model
        if outcome.model is not None:
            version.results["BillableTrainingTimeInSeconds"] = max(1, round(time.monotonic() - started))
        version.results["TrainingEndTimestamp"] = time.time()
        version.set_status(outcome.status, outcome.message)


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
