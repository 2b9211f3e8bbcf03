"""Tasks CheckModel / CheckStop: one poll of a model that is starting or stopping."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.check_model)
