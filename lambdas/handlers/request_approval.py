"""Task RequestApproval (.waitForTaskToken): keep the task token on the version, publish the review."""

from customlabels.aws_clients import client
from customlabels.promotion import approval
from customlabels.training.entry import step_handler
from customlabels.training.services import Services

_sns = client("sns")


def _request(event: dict, services: Services) -> approval.Requested:
    return approval.request_approval(event, services, _sns)


handler = step_handler(_request)
