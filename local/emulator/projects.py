"""Projects: CreateProject, DescribeProjects, DeleteProject (spec 06 §2)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from local.emulator import arns
from local.emulator.errors import InvalidParameterException, ResourceInUseException, ResourceNotFoundException
from local.emulator.lifecycle import allows, transition
from local.emulator.paging import page, with_token
from local.emulator.state import ServiceState
from local.emulator.tags import apply_tags

if TYPE_CHECKING:
    from local.emulator.datasets import Dataset
    from local.emulator.versions import ProjectVersion

CUSTOM_LABELS, CONTENT_MODERATION = "CUSTOM_LABELS", "CONTENT_MODERATION"
FEATURES = (CUSTOM_LABELS, CONTENT_MODERATION)
AUTO_UPDATE = ("ENABLED", "DISABLED")


@dataclass
class Project:
    TRANSITIONS: ClassVar = {"CREATED": frozenset({"DELETING"})}

    arn: str
    name: str
    feature: str = CUSTOM_LABELS
    auto_update: str | None = None  # adapters (CONTENT_MODERATION) only
    status: str = "CREATED"
    created: float = field(default_factory=time.time)
    datasets: dict[str, Dataset] = field(default_factory=dict)  # TRAIN / TEST
    versions: dict[str, ProjectVersion] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        description = {
            "ProjectArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "Feature": self.feature,
            "Datasets": [d.metadata() for d in sorted(self.datasets.values(), key=lambda d: d.dataset_type)],
        }
        if self.auto_update is not None:
            description["AutoUpdate"] = self.auto_update
        return description


def usable_project(state: ServiceState, arn: str | None) -> Project:
    """A project that can take new datasets, models or policies (not being deleted)."""
    project = state.project(arn)
    if project.status == "DELETING":
        raise ResourceNotFoundException(f"The project {project.name} is being deleted.")
    return project


def create_project(state: ServiceState, request: dict) -> dict:
    name = request["ProjectName"]
    feature = request.get("Feature", CUSTOM_LABELS)
    auto_update = request.get("AutoUpdate")
    if feature == CUSTOM_LABELS and auto_update is not None:
        raise InvalidParameterException("AutoUpdate applies to CONTENT_MODERATION projects (adapters) only.")
    if feature == CONTENT_MODERATION and auto_update not in AUTO_UPDATE:
        raise InvalidParameterException("A CONTENT_MODERATION project needs AutoUpdate ENABLED or DISABLED.")
    with state.lock:
        if any(p.name == name for p in state.projects.values()):
            raise ResourceInUseException(f"A project named {name} already exists.")
        arn = arns.project_arn(state.region, state.account, name, state.stamp())
        apply_tags(state, arn, request.get("Tags") or {})
        state.projects[arn] = Project(arn, name, feature, auto_update)
    return {"ProjectArn": arn}


def describe_projects(state: ServiceState, request: dict) -> dict:
    names = request.get("ProjectNames")
    features = request.get("Features") or [CUSTOM_LABELS]
    with state.lock:
        projects = [
            p for p in state.projects.values() if (names is None or p.name in names) and p.feature in features
        ]
        found, token = page(sorted(projects, key=lambda p: p.created), request, "DescribeProjects")
        return with_token({"ProjectDescriptions": [p.describe() for p in found]}, token)


def delete_project(state: ServiceState, request: dict) -> dict:
    with state.lock:
        project = state.project(request.get("ProjectArn"))
        if not allows(project, "DELETING"):
            raise ResourceInUseException(f"The project {project.name} is {project.status}.")
        if project.versions:
            raise ResourceInUseException(
                f"The project {project.name} still has {len(project.versions)} model(s): delete them first."
            )
        # The API reference asks only for the models to be gone; the datasets go with the project
        transition(project, "DELETING")

        def forget() -> None:
            state.projects.pop(project.arn, None)
            for arn in [project.arn, *(dataset.arn for dataset in project.datasets.values())]:
                state.forget(arn)

        state.later(state.delays.seconds("deleting"), forget)
        return {"Status": project.status}
