"""Task CheckTraining: one DescribeProjectVersions poll; a failure carries the manifest summary's errors."""

from customlabels.training import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.check_training)
