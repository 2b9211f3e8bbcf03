"""Task CheckCopy: one poll of the copy until COPYING_COMPLETED."""

from customlabels.promotion import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.check_copy)
