"""The training feature's infrastructure: functions, shared flow pieces and the two state machines."""

from infra.training.flow import TRANSIENT_ERRORS
from infra.training.pipeline import TrainingPipeline
from infra.training.training_machine import NAMED_FAILURES

__all__ = ["NAMED_FAILURES", "TRANSIENT_ERRORS", "TrainingPipeline"]
