"""Task Promote: point the project's champion at this version; report the one it replaces."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.promote)
