"""The state of one account's service in one region, the lock that guards it, and ARN lookups."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local.emulator import arns
from local.emulator.caller_s3 import acting_client
from local.emulator.errors import ResourceNotFoundException
from local.emulator.scheduler import BackgroundScheduler, Lane, ManualScheduler
from local.emulator.settings import DelayClock, ServiceSettings

if TYPE_CHECKING:
    from local.emulator.capacity import InferenceCapacity
    from local.emulator.datasets import Dataset
    from local.emulator.policies import ProjectPolicy
    from local.emulator.projects import Project
    from local.emulator.usage_metrics import UsageMetrics
    from local.emulator.versions import ProjectVersion


@dataclass
class ServiceState:
    own_s3: Any  # boto3 S3 client of the service itself, reaching the same S3 as the caller
    region: str
    account: str
    settings: ServiceSettings
    scheduler: BackgroundScheduler | ManualScheduler
    delays: DelayClock
    usage: UsageMetrics
    lock: threading.RLock = field(default_factory=threading.RLock)
    projects: dict[str, Project] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    policies: dict[str, dict[str, ProjectPolicy]] = field(
        default_factory=dict
    )  # project ARN -> name -> policy
    capacity: dict[str, InferenceCapacity] = field(default_factory=dict)
    last_stamp: int = 0

    @property
    def s3(self) -> Any:
        """The client for the caller's data: the caller's view while serving its request (caller_s3)."""
        return acting_client() or self.own_s3

    def stamp(self) -> int:
        """Epoch milliseconds, strictly increasing, for the trailing digits of ARNs."""
        with self.lock:
            self.last_stamp = max(self.last_stamp + 1, arns.epoch_millis())
            return self.last_stamp

    def later(self, delay: float, job: Callable[[], None], lane: Lane = "quick") -> None:
        """Run `job` under the lock once `delay` seconds have passed; keep long work outside it."""

        def locked() -> None:
            with self.lock:
                job()

        self.scheduler.submit(delay, locked, lane)

    def units_in_service(self) -> dict[str, tuple[int, int]]:
        """Version ARN -> (inference units in service, desired units), for every running model."""
        with self.lock:
            return {arn: (capacity.in_service, capacity.desired) for arn, capacity in self.capacity.items()}

    def project(self, arn: str | None) -> Project:
        project = self.projects.get(arn)
        if project is None:
            raise ResourceNotFoundException(f"The project {arn} does not exist.")
        return project

    def dataset(self, arn: str | None) -> tuple[Project, Dataset]:
        for project in self.projects.values():
            for dataset in project.datasets.values():
                if dataset.arn == arn:
                    return project, dataset
        raise ResourceNotFoundException(f"The dataset {arn} does not exist.")

    def version(self, arn: str | None) -> tuple[Project, ProjectVersion]:
        for project in self.projects.values():
            for version in project.versions.values():
                if version.arn == arn:
                    return project, version
        raise ResourceNotFoundException(f"The model {arn} does not exist.")

    def resource_exists(self, arn: str) -> bool:
        for finder in (self.project, self.dataset, self.version):
            try:
                finder(arn)
                return True
            except ResourceNotFoundException:
                continue
        return False

    def forget(self, arn: str) -> None:
        """Drop what hangs off a deleted resource's ARN."""
        self.tags.pop(arn, None)
        self.policies.pop(arn, None)
        self.capacity.pop(arn, None)
