"""Task CopyModel: CopyProjectVersion from the training project into production (or reuse the copy)."""

from customlabels.promotion import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.copy_model)
