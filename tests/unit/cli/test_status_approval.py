"""What `status` and `promote --to production` say about approvals, deleted champions and rollbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest

from customlabels.training.registry import Registry
from customlabels_cli.commands.status import approval_status, render
from customlabels_cli.main import main
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.production import check_rollback, promotion_input
from customlabels_cli.support.stack import Stack

TABLE = "production-registry"


def row(name: str, status: str = "TRAINING_COMPLETED", approval: str | None = None) -> dict:
    return {"versionName": name, "status": status, "f1Score": 0.9, "gate": True, "approval": approval,
            "createdAt": "2026-12-07T06:43:05"}


def test_a_waiting_version_shows_its_approval_and_the_commands() -> None:
    text = render({"project": "digits", "champion": None, "deletedChampion": None,
                   "versions": [row("v1", approval="REJECTED"), row("v2", approval="PENDING")]})
    assert "rejected" in next(line for line in text.splitlines() if " v1 " in line)
    assert "Waiting for approval: v2: run `customlabels approve v2 --reason WHY`" in text
    assert "customlabels approve v1" not in text


def test_a_request_past_its_timeout_is_expired_not_waiting() -> None:
    request = {"status": "PENDING", "timeoutAt": "2026-12-07T08:00:00+00:00"}
    assert approval_status(request, datetime(2026, 12, 7, 7, 59, tzinfo=UTC)) == "PENDING"
    assert approval_status(request, datetime(2026, 12, 7, 8, 0, 1, tzinfo=UTC)) == "EXPIRED"
    assert approval_status({"status": "REJECTED"}) == "REJECTED"


def test_a_champion_deleted_by_teardown_is_not_named_as_champion() -> None:
    text = render({"project": "digits", "champion": None, "deletedChampion": "v1",
                   "versions": [row("v1", status="DELETED")]})
    assert "no champion (its champion v1 was deleted by `customlabels teardown`" in text


@pytest.fixture
def production(local_client) -> Stack:
    dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "project", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "project", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
    )
    return Stack({"ProductionRegistryTableName": TABLE, "RegistryTableName": TABLE}, "digits",
                 boto3.Session(region_name="us-east-1"))


def test_a_rollback_with_nothing_before_it_is_refused_before_anything_starts(production: Stack) -> None:
    with pytest.raises(CliError) as caught:
        check_rollback(production)
    assert "nothing to roll back to: there is no production champion yet" in caught.value.message
    registry = Registry(TABLE, production.session.resource("dynamodb"))
    registry.set_champion("digits", "v1", "arn:v1", 0.9, {})
    with pytest.raises(CliError) as caught:
        check_rollback(production)
    assert "the production champion is v1 and no earlier one was promoted" in caught.value.message
    registry.set_champion("digits", "v2", "arn:v2", 0.95, {})
    check_rollback(production)  # v1 is there to go back to


def test_a_rejected_version_is_not_sent_to_approve(production: Stack) -> None:
    registry = Registry(TABLE, production.session.resource("dynamodb"))
    rejected = {"status": "REJECTED", "by": "ana", "reason": "blurry"}
    registry.put_version({"project": "digits", "versionName": "v1", "gate": {"passed": True},
                          "approval": rejected})
    with pytest.raises(CliError) as caught:
        promotion_input(production, "v1", force=False)
    assert "was not approved: rejected by ana (blurry)" in caught.value.message
    assert "approve" not in caught.value.fix and "train a new version" in caught.value.fix


def test_no_production_stack_without_a_role_names_the_role_and_the_env_file(
    local_client, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("CUSTOMLABELS_PRODUCTION_ROLE", raising=False)
    outputs = {"ConsoleBucketName": "b", "RegistryTableName": TABLE, "ProjectName": "digits"}
    monkeypatch.setattr(Stack, "from_args", classmethod(lambda cls, args: Stack(outputs, "digits")))
    assert main(["promote", "--to", "production", "--rollback"]) == 2
    err = capsys.readouterr().err
    assert "stack CustomLabelsProduction was not found" in err and "CUSTOMLABELS_PRODUCTION_ROLE" in err
    assert "env file" in err
