"""Task ValidateInput (model control): check the operator's input, the version and its gate."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.validate_control_input)
