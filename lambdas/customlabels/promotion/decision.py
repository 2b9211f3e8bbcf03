"""An approval decision that AWS vouches for: `customlabels approve|reject` calls the approval function's
URL (AuthType AWS_IAM), so Lambda has verified the caller's signature and IAM permission
(``lambda:InvokeFunctionUrl``, granted by the ApproverAccess policy only) before this code runs.

Who decided is ``requestContext.authorizer.iam.userArn`` of the function URL event (Lambda developer
guide, "Invoking Lambda function URLs", request payload format 2.0), never a value the client sends.
The answer is a function URL response (``statusCode``, ``headers``, ``body``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from customlabels.aws_clients import client, dynamodb_resource
from customlabels.promotion.approval_tokens import ApprovalTokens
from customlabels.promotion.settings import DecideApprovalSettings
from customlabels.training.contract import Failure
from customlabels.training.registry import Registry, utc_now

PENDING, APPROVED, REJECTED, EXPIRED = "PENDING", "APPROVED", "REJECTED", "EXPIRED"
DECISIONS = {"approve": APPROVED, "reject": REJECTED}
# SendTaskSuccess/Failure errors of a task that no longer waits (Step Functions API reference).
GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}
MAX_REASON = 1000


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    def response(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(self.body),
        }


def refused(status: int, message: str, fix: str) -> Answer:
    return Answer(status, {"message": message, "fix": fix})


@dataclass(frozen=True)
class Request:
    target: str
    decision: str
    reason: str


def verified_caller(event: Mapping[str, Any]) -> str | None:
    """The caller's ARN as Lambda verified it; None unless the URL authenticates with IAM."""
    iam = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam") or {}
    arn = iam.get("userArn")
    return arn if isinstance(arn, str) and arn.startswith("arn:") else None


def parse_request(event: Mapping[str, Any]) -> Request | Answer:
    body = event.get("body") or ""
    try:
        text = base64.b64decode(body).decode() if event.get("isBase64Encoded") else body
        raw = json.loads(text or "{}")
    except (ValueError, UnicodeDecodeError):
        raw = None
    if not isinstance(raw, dict):
        return refused(400, "the request body is not a JSON object", 'send {"target": VERSION_OR_EXECUTION'
                       '_ARN, "decision": "approve"|"reject", "reason": TEXT}')
    target, decision, reason = raw.get("target"), raw.get("decision"), raw.get("reason", "")
    problems = []
    if not isinstance(target, str) or not target:
        problems.append("target must be the waiting version's name or its execution's ARN")
    if decision not in DECISIONS:
        problems.append(f"decision={decision!r} is not allowed: approve or reject")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        problems.append(f"reason must be text of at most {MAX_REASON} characters")
    if problems:
        return refused(400, "; ".join(problems), "fix the request (customlabels approve|reject sends it)")
    return Request(target, decision, reason)


class Decider:
    def __init__(self, project: str, registry: Registry, tokens: ApprovalTokens, sfn: Any) -> None:
        self.project, self.registry, self.tokens, self.sfn = project, registry, tokens, sfn

    @classmethod
    def from_settings(cls, settings: DecideApprovalSettings) -> Decider:
        """The function's Decider, built once at cold start."""
        resource = dynamodb_resource()
        return cls(
            settings.project_name,
            Registry(settings.registry_table_name, resource),
            ApprovalTokens(settings.approval_tokens_table_name, resource),
            client("stepfunctions"),
        )

    def handle(self, event: Mapping[str, Any]) -> Answer:
        caller = verified_caller(event)
        if caller is None:
            return refused(403, "the caller's identity was not verified by AWS",
                           "call the approval function URL signed with SigV4 (AuthType AWS_IAM)")
        request = parse_request(event)
        if isinstance(request, Answer):
            return request
        waiting = self._waiting(request.target)
        if isinstance(waiting, Answer):
            return waiting
        item, token = waiting
        return self._decide(request, caller, item, token)

    def _waiting(self, target: str) -> tuple[dict, dict] | Answer:
        """(the version's registry item, the token item of the run it waits in), or why there is nothing
        to decide. A run named by its ARN must be the one the version waits in now."""
        named = self.tokens.find(target) if target.startswith("arn:") else None
        if target.startswith("arn:"):
            version = named["versionName"] if named and named.get("project") == self.project else None
        else:
            version = target
        item = self.registry.get_version(self.project, version) if version else None
        if item is None:
            return refused(404, f"no version {target} waiting in the registry of {self.project}",
                           "see `customlabels status`")
        approval = item.get("approval") or {}
        if approval.get("status") != PENDING:
            state = approval.get("status") or "never requested"
            fix = (
                "train with requireApproval (customlabels train --require-approval) and decide while it waits"
                if state == "never requested"
                else f"it was {state.lower()} already and a decision is final: train a new version to "
                "decide again"
            )
            return refused(409, f"{item['versionName']} is not waiting for approval (approval: {state})", fix)
        if named is not None and named["executionArn"] != approval["executionArn"]:
            return refused(409, f"{target} no longer waits: {item['versionName']} waits in "
                           f"{approval['executionArn']}", "decide that run (or name the version)")
        token = named or self.tokens.find(approval["executionArn"])
        if token is None:
            return self._expired(item)
        return item, token

    def _decide(self, request: Request, caller: str, item: dict, token: dict) -> Answer:
        version, execution = item["versionName"], token["executionArn"]
        decided = {"status": DECISIONS[request.decision], "by": caller, "at": utc_now(),
                   "reason": request.reason, "executionArn": execution}
        try:
            if request.decision == "approve":
                self.sfn.send_task_success(taskToken=token["taskToken"], output=json.dumps(decided))
            else:
                cause = f"{version} was rejected by {caller}: {request.reason or 'no reason given'}"
                self.sfn.send_task_failure(taskToken=token["taskToken"], error=Failure.Rejected.value,
                                           cause=cause)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in GONE:
                raise
            return self._expired(item)
        self.registry.update_version(self.project, version, approval=decided)
        self.tokens.forget(execution)
        return Answer(200, {"versionName": version, **decided})

    def _expired(self, item: dict) -> Answer:
        approval = {**item["approval"], "status": EXPIRED}
        self.registry.update_version(self.project, item["versionName"], approval=approval)
        self.tokens.forget(approval["executionArn"])
        return refused(409, f"the run that asked to approve {item['versionName']} no longer waits (timed out "
                       "or ended)", "train it again, or promote it with --force")
