"""Service deliveries as synthesized, in both stacks: key statements keyed on what each service sends, and
every EventBridge rule target with a dead-letter queue and an alarm on the rule's failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.synth import build_stack, json_of, production_stack

PRODUCTION, TRAINING = "222222222222", "111111111111"


NAMES = ("single", "training", "production")


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    """The one-account stack, and both stacks of the two-account shape (-c productionAccount=...)."""
    training = build_stack(productionAccount=PRODUCTION, trainingAccount=TRAINING)
    stacks = {"single": build_stack(), "training": training, "production": production_stack(training)}
    return {name: json_of(stack) for name, stack in stacks.items()}


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


def _key_statements(template: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [
        statement
        for key in _of_type(template, "AWS::KMS::Key").values()
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement.get("Principal") == {"Service": service}
    ]


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    return {key for keys in statement.get("Condition", {}).values() for key in keys}


@pytest.mark.parametrize("name", NAMES)
def test_no_eventbridge_key_statement_relies_on_source_keys(name: str, templates) -> None:
    template = templates[name]
    for statement in _key_statements(template, "events.amazonaws.com"):
        keys = _condition_keys(statement)
        assert not {k for k in keys if k.lower().startswith("aws:source")}, statement["Sid"]
        assert any(k.startswith("kms:EncryptionContext:") for k in keys), statement["Sid"]


@pytest.mark.parametrize("name", NAMES)
def test_s3_uses_the_key_only_for_the_encryption_context_sqs_sends(name: str, templates) -> None:
    template = templates[name]
    for statement in _key_statements(template, "s3.amazonaws.com"):
        assert _condition_keys(statement) == {"kms:EncryptionContext:aws:sqs:arn"}, statement["Sid"]


def _queue_policy_statements(template: dict[str, Any], queue_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in _of_type(template, "AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_id} in policy["Properties"]["Queues"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_rule_target_has_an_encrypted_tls_only_dead_letter_queue_and_an_alarm(
    name: str, templates
) -> None:
    template = templates[name]
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    for rule_id, rule in _of_type(template, "AWS::Events::Rule").items():
        watched = [
            a["Properties"]
            for a in alarms
            if a["Properties"].get("MetricName") == "FailedInvocations"
            and a["Properties"]["Dimensions"] == [{"Name": "RuleName", "Value": {"Ref": rule_id}}]
        ]
        assert len(watched) == 1 and watched[0]["AlarmActions"], f"{rule_id}: no alarm on FailedInvocations"
        for target in rule["Properties"]["Targets"]:
            queue_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
            queue = template["Resources"][queue_id]["Properties"]
            assert "KmsMasterKeyId" in queue, f"{queue_id} is not KMS-encrypted"
            statements = _queue_policy_statements(template, queue_id)
            assert any(
                s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                for s in statements
            ), f"{queue_id} does not enforce TLS"
            assert any(
                s["Principal"] == {"Service": "events.amazonaws.com"}
                and s["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}
                for s in statements
            ), f"{queue_id} does not let {rule_id} send its dead letters"


def test_the_training_stack_has_the_rules_the_checks_above_cover(templates) -> None:
    rules = {name: len(_of_type(template, "AWS::Events::Rule")) for name, template in templates.items()}
    assert rules["single"] == rules["training"] == 4  # guard, training ends, drift check, shadow end
    assert json.dumps(templates["single"]).count("EventBridgeDeadLettersToEncryptedQueue") == 1
