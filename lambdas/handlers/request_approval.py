"""Task RequestApproval (.waitForTaskToken): keep the task token out of people's reach, mark the version
PENDING, publish the review. The event (it carries the token) is never logged."""

import os

from customlabels.aws_clients import client, dynamodb_resource
from customlabels.promotion import approval
from customlabels.promotion.approval_tokens import ApprovalTokens
from customlabels.promotion.settings import RequestApprovalSettings
from customlabels.training.entry import step_handler
from customlabels.training.services import Services

_sns = client("sns")
_settings = RequestApprovalSettings.from_environment(os.environ)
_tokens = ApprovalTokens(_settings.approval_tokens_table_name, dynamodb_resource())


def _request(event: dict, services: Services) -> approval.Requested:
    return approval.request_approval(event, services, _tokens, _sns)


handler = step_handler(_request)
