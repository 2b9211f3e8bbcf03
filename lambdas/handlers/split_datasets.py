"""Task SplitDatasets: no test manifest, so 20 % of the TRAIN entries move to the empty TEST dataset."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.split_datasets)
