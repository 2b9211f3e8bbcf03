"""Task ShareProject: the training project's policy letting the production promotion role copy versions."""

from customlabels.promotion import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.share_project)
