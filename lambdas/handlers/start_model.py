"""Task StartModel: StartProjectVersion with the run's inference units."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.start_model)
