"""The training feature's infrastructure: functions, shared flow pieces and the two state machines."""

from infra.training.flow import TRANSIENT_ERRORS
from infra.training.pipeline import TrainingPipeline
from infra.training.training_machine import FAIL_STATES

__all__ = ["FAIL_STATES", "TRANSIENT_ERRORS", "TrainingPipeline"]
