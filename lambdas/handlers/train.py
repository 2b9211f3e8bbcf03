"""Task Train: CreateProjectVersion (or find this run's version) and record it in the registry."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.train)
