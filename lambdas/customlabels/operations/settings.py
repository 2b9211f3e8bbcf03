"""The idle guard's settings: set by infra/operations.py, read at cold start."""

from __future__ import annotations

import json
from dataclasses import dataclass

from customlabels.environment import FunctionSettings
from customlabels.operations.idle import GuardPolicy


@dataclass(frozen=True)
class GuardSettings(FunctionSettings):
    project_name: str
    queue_url: str
    topic_arn: str
    registry_table_name: str
    idle_check_minutes: int
    idle_stop_minutes: float
    max_inference_unit_hours_per_day: float | None = None  # None: no daily cap

    @property
    def policy(self) -> GuardPolicy:
        return GuardPolicy(
            idle_minutes=self.idle_stop_minutes, max_unit_hours_per_day=self.max_inference_unit_hours_per_day
        )

    @property
    def lookback_minutes(self) -> float:
        """Long enough that a model idle past the alarm threshold (idle + 2 checks) shows as such."""
        return self.idle_stop_minutes + 3 * self.idle_check_minutes


@dataclass(frozen=True)
class ExecutionEndSettings(FunctionSettings):
    """NotifyExecutionEnd's settings: set by infra/execution_ends.py."""

    topic_arn: str
    project_name: str
    state_machines: str  # JSON {state machine ARN: kind}, written by the stack (the ARNs are tokens there)

    @property
    def kinds(self) -> dict[str, str]:
        return json.loads(self.state_machines)
