"""Task RequestApproval (.waitForTaskToken): keep the task token out of people's reach, mark the version
PENDING, publish the review. The event (it carries the token) is never logged."""

import os

from customlabels.aws_clients import client, dynamodb_resource
from customlabels.environment import required
from customlabels.promotion import approval
from customlabels.promotion.approval_tokens import APPROVAL_TOKENS_TABLE, ApprovalTokens
from customlabels.training.entry import step_handler
from customlabels.training.services import Services

_sns = client("sns")
_tokens = ApprovalTokens(required(os.environ, APPROVAL_TOKENS_TABLE), dynamodb_resource())


def _request(event: dict, services: Services) -> approval.Requested:
    return approval.request_approval(event, services, _tokens, _sns)


handler = step_handler(_request)
