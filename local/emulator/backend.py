"""The Custom Labels service of one account and region: a thin facade over one module per resource.

Each public method is one API operation: it takes the request parameters as boto3 sends them
(PascalCase keys) and returns the response body.
"""

from __future__ import annotations

from collections.abc import Callable

from local.access.principals import Caller
from local.emulator import datasets, policies, projects, tags, version_copy, version_running, versions
from local.emulator.capacity import FaultInjector
from local.emulator.cross_account import caller_of
from local.emulator.scheduler import BackgroundScheduler, ManualScheduler
from local.emulator.settings import DelayClock, ServiceSettings
from local.emulator.state import ServiceState
from local.emulator.training import TrainingOutcome, TrainingRequest, run_training
from local.emulator.usage_metrics import Sink, UsageMetrics
from local.emulator.version_training import create_project_version

DEFAULT_ACCOUNT = "123456789012"


class CustomLabelsBackend:
    def __init__(
        self,
        s3,
        region: str = "us-east-1",
        account: str = DEFAULT_ACCOUNT,
        settings: ServiceSettings | None = None,
        scheduler: BackgroundScheduler | ManualScheduler | None = None,
        other_account: Callable[[str], CustomLabelsBackend] | None = None,
        metrics: Sink | None = None,
    ) -> None:
        self.settings = settings or ServiceSettings()
        self.faults = FaultInjector(self.settings.faults, self.settings.seed)
        self.state = ServiceState(
            s3,
            region,
            account,
            self.settings,
            scheduler or BackgroundScheduler(),
            DelayClock(self.settings.delays, self.settings.seed),
            UsageMetrics(metrics, self.settings.usage_period_seconds),
        )
        self._other_account = other_account

    @property
    def scheduler(self) -> BackgroundScheduler | ManualScheduler:
        return self.state.scheduler

    def shutdown(self) -> None:
        self.state.scheduler.shutdown()
        self.state.usage.shutdown()

    @staticmethod
    def _train(job: TrainingRequest, s3) -> TrainingOutcome:
        return run_training(job, s3)

    def _state_of(self, account: str) -> ServiceState:
        if self._other_account is None:
            return self.state
        return self._other_account(account).state

    def create_project(self, request: dict) -> dict:
        return projects.create_project(self.state, request)

    def describe_projects(self, request: dict) -> dict:
        return projects.describe_projects(self.state, request)

    def delete_project(self, request: dict) -> dict:
        return projects.delete_project(self.state, request)

    def create_dataset(self, request: dict) -> dict:
        return datasets.create_dataset(self.state, request)

    def describe_dataset(self, request: dict) -> dict:
        return datasets.describe_dataset(self.state, request)

    def delete_dataset(self, request: dict) -> dict:
        return datasets.delete_dataset(self.state, request)

    def list_dataset_entries(self, request: dict) -> dict:
        return datasets.list_dataset_entries(self.state, request)

    def list_dataset_labels(self, request: dict) -> dict:
        return datasets.list_dataset_labels(self.state, request)

    def update_dataset_entries(self, request: dict) -> dict:
        return datasets.update_dataset_entries(self.state, request)

    def distribute_dataset_entries(self, request: dict) -> dict:
        return datasets.distribute_dataset_entries(self.state, request)

    def create_project_version(self, request: dict) -> dict:
        return create_project_version(self.state, request, self._train)

    def describe_project_versions(self, request: dict) -> dict:
        return versions.describe_project_versions(self.state, request)

    def delete_project_version(self, request: dict) -> dict:
        return versions.delete_project_version(self.state, request)

    def start_project_version(self, request: dict) -> dict:
        return version_running.start_project_version(self.state, request)

    def stop_project_version(self, request: dict) -> dict:
        return version_running.stop_project_version(self.state, request)

    def detect_custom_labels(self, request: dict) -> dict:
        """Injected faults count in the model's metrics as the real service's errors would."""
        with self.state.usage.call(request.get("ProjectVersionArn")) as call:
            self.faults.maybe_fail("DetectCustomLabels")
            response = version_running.detect_custom_labels(self.state, request)
            call.labels = len(response["CustomLabels"])
        return response

    def copy_project_version(self, request: dict, caller: Caller | None = None) -> dict:
        caller = caller or caller_of(self.state.account, f"arn:aws:iam::{self.state.account}:root")
        return version_copy.copy_project_version(self.state, request, caller, self._state_of)

    def put_project_policy(self, request: dict) -> dict:
        return policies.put_project_policy(self.state, request)

    def list_project_policies(self, request: dict) -> dict:
        return policies.list_project_policies(self.state, request)

    def delete_project_policy(self, request: dict) -> dict:
        return policies.delete_project_policy(self.state, request)

    def tag_resource(self, request: dict) -> dict:
        return tags.tag_resource(self.state, request)

    def untag_resource(self, request: dict) -> dict:
        return tags.untag_resource(self.state, request)

    def list_tags_for_resource(self, request: dict) -> dict:
        return tags.list_tags_for_resource(self.state, request)
