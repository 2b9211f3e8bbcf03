"""Task EnsureProject: create the Custom Labels project, or reuse the one with that name."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.ensure_project)
