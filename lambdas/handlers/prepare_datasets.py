"""Tasks PrepareDatasets / CheckDatasets: replace the project's datasets and report their progress."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.prepare_datasets)
