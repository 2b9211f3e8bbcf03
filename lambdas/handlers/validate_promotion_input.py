"""Task ValidateInput (promotion): the operator's input, or the previous champion a rollback returns to."""

from customlabels.promotion import steps
from customlabels.training.entry import step_handler

handler = step_handler(steps.validate_promotion_input)
