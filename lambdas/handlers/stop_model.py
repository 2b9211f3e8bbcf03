"""Task StopModel: StopProjectVersion when the model is running or starting."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.stop_model)
