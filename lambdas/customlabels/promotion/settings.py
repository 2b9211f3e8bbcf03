"""The approval functions' settings: set by infra/training/functions.py and approval_decisions.py."""

from __future__ import annotations

from dataclasses import dataclass

from customlabels.environment import FunctionSettings
from customlabels.training.contract import TrainingSettings


@dataclass(frozen=True)
class RequestApprovalSettings(TrainingSettings):
    """RequestApproval: a training step that also keeps the task token in the approval-tokens table."""

    approval_tokens_table_name: str


@dataclass(frozen=True)
class DecideApprovalSettings(FunctionSettings):
    """The Function URL of `customlabels approve|reject`."""

    project_name: str
    registry_table_name: str
    approval_tokens_table_name: str
