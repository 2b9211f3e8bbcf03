"""The approval function: only a caller AWS verified decides, the decision it records names that caller,
and a run that no longer waits is said so (registry and token table on moto; Step Functions recorded)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from customlabels.promotion.approval_tokens import ApprovalTokens
from customlabels.promotion.decision import Decider
from customlabels.training.registry import Registry
from tests.fixtures.tables import create_registry_table, create_table

PROJECT, VERSION = "digits", "digits.v2"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:training:run-2"
APPROVER = "arn:aws:sts::123456789012:assumed-role/approver/alice"


class StepFunctions:
    """Records SendTaskSuccess/Failure; `gone` answers as Step Functions does for a task that ended."""

    def __init__(self, gone: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.gone = gone

    def _answer(self, name: str, **call: Any) -> None:
        if self.gone:
            raise ClientError({"Error": {"Code": "TaskTimedOut", "Message": "timed out"}}, name)
        self.calls.append((name, call))

    def send_task_success(self, **call: Any) -> None:
        self._answer("SendTaskSuccess", **call)

    def send_task_failure(self, **call: Any) -> None:
        self._answer("SendTaskFailure", **call)


@pytest.fixture
def stores(aws_credentials):
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        create_registry_table(dynamodb)
        create_table(dynamodb, "tokens", [("executionArn", "HASH")])
        registry, tokens = Registry("registry", dynamodb), ApprovalTokens("tokens", dynamodb)
        registry.put_version({"project": PROJECT, "versionName": VERSION,
                              "approval": {"status": "PENDING", "executionArn": EXECUTION}})
        tokens.keep(EXECUTION, PROJECT, VERSION, "the-token", 2_000_000_000)
        yield registry, tokens


def event(body: Any, caller: str | None = APPROVER) -> dict[str, Any]:
    iam = {"userArn": caller} if caller else None
    return {"version": "2.0", "body": json.dumps(body), "isBase64Encoded": False,
            "requestContext": {"authorizer": {"iam": iam} if iam else None}}


def answer(stores, body: Any, caller: str | None = APPROVER, sfn: StepFunctions | None = None):
    registry, tokens = stores
    decided = Decider(PROJECT, registry, tokens, sfn or StepFunctions()).handle(event(body, caller))
    return decided.status, decided.body


@pytest.mark.parametrize("target", [VERSION, EXECUTION])
def test_an_approval_names_the_verified_caller_never_the_one_the_client_claims(stores, target) -> None:
    sfn = StepFunctions()
    claimed = {"target": target, "decision": "approve", "reason": "fine", "by": "me"}
    status, body = answer(stores, claimed, sfn=sfn)
    assert status == 200 and body["by"] == APPROVER
    [(call, sent)] = sfn.calls
    output = json.loads(sent["output"])
    assert (call, sent["taskToken"], output["status"], output["by"]) == (
        "SendTaskSuccess", "the-token", "APPROVED", APPROVER
    )
    registry, tokens = stores
    recorded = registry.get_version(PROJECT, VERSION)["approval"]
    assert (recorded["status"], recorded["by"], recorded["reason"]) == ("APPROVED", APPROVER, "fine")
    assert tokens.find(EXECUTION) is None  # used once


def test_a_rejection_fails_the_task_with_the_callers_reason(stores) -> None:
    sfn = StepFunctions()
    rejected = {"target": VERSION, "decision": "reject", "reason": "8s look like 3s"}
    status, _ = answer(stores, rejected, sfn=sfn)
    [(call, sent)] = sfn.calls
    assert (status, call, sent["error"]) == (200, "SendTaskFailure", "Rejected")
    assert sent["cause"] == f"{VERSION} was rejected by {APPROVER}: 8s look like 3s"


def test_without_a_verified_caller_nothing_is_decided(stores) -> None:
    sfn = StepFunctions()
    status, body = answer(stores, {"target": VERSION, "decision": "approve"}, caller=None, sfn=sfn)
    assert status == 403 and "not verified by AWS" in body["message"] and sfn.calls == []
    assert stores[0].get_version(PROJECT, VERSION)["approval"]["status"] == "PENDING"


def test_a_malformed_request_lists_every_problem(stores) -> None:
    status, body = answer(stores, {"decision": "maybe", "reason": 3})
    assert status == 400
    assert body["message"] == ("target must be the waiting version's name or its execution's ARN; "
                               "decision='maybe' is not allowed: approve or reject; "
                               "reason must be text of at most 1000 characters")
    assert answer(stores, "[1]")[0] == 400


def test_nothing_waiting_unknown_or_gone_is_refused_saying_which(stores) -> None:
    status, body = answer(stores, {"target": "digits.v9", "decision": "approve"})
    assert (status, body["message"]) == (404, "no version digits.v9 waiting in the registry of digits")
    status, body = answer(stores, {"target": VERSION, "decision": "approve"}, sfn=StepFunctions(gone=True))
    assert status == 409 and f"the run that asked to approve {VERSION} no longer waits" in body["message"]
    assert stores[0].get_version(PROJECT, VERSION)["approval"]["status"] == "EXPIRED"
    status, body = answer(stores, {"target": VERSION, "decision": "approve"})
    assert status == 409 and body["message"] == f"{VERSION} is not waiting for approval (approval: EXPIRED)"


def test_an_older_run_of_the_version_is_not_decided_in_place_of_the_waiting_one(stores) -> None:
    registry, tokens = stores
    older = EXECUTION.replace("run-2", "run-1")
    tokens.keep(older, PROJECT, VERSION, "old-token", 2_000_000_000)  # timed out; its item not yet expired
    sfn = StepFunctions()
    status, body = answer(stores, {"target": older, "decision": "approve"}, sfn=sfn)
    assert (status, sfn.calls) == (409, [])
    assert body["message"] == f"{older} no longer waits: {VERSION} waits in {EXECUTION}"
    assert registry.get_version(PROJECT, VERSION)["approval"]["status"] == "PENDING"
