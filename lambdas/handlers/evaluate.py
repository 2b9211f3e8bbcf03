"""Task Evaluate: F1 and the per-label table from the summary file, then the gate decision."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.evaluate)
