"""Task MarkGated: tags the version this run gated and got approved, so production may copy it."""

from customlabels.promotion import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.mark_gated)
