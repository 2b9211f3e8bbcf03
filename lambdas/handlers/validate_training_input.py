"""Task ValidateInput: check the execution input and fill in the stack's defaults."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.validate_training_input)
