"""The delivery table: each delivery carries exactly its row's keys, and docs/offline.md shows every row."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.access import delivery_contexts
from local.access.delivery_contexts import KEY_VALUES, ROWS, Facts, NoDeliveryContext, context, row

OFFLINE_PAGE = Path(__file__).resolve().parents[3] / "docs" / "offline.md"
TOPIC = "arn:aws:sns:us-east-1:123456789012:notifications"
RULE = "arn:aws:events:us-east-1:123456789012:rule/TrainingEnded"


def test_eventbridge_gives_kms_the_topics_encryption_context_and_no_source_keys() -> None:
    delivery = row("events.amazonaws.com", "sns", "sns:Publish")
    facts = Facts(RULE, "123456789012", TOPIC, "us-east-1")
    assert context(delivery.kms_keys, facts) == {"kms:EncryptionContext:aws:sns:topicArn": TOPIC}
    assert context(delivery.resource_keys, facts) == {
        "aws:SourceArn": RULE,
        "aws:SourceAccount": "123456789012",
    }


def test_cloudwatch_alarms_give_kms_their_source_as_well() -> None:
    delivery = row("cloudwatch.amazonaws.com", "sns", "sns:Publish")
    assert {"aws:SourceArn", "aws:SourceAccount"} <= set(delivery.kms_keys)


def test_every_key_of_every_row_has_a_value_and_every_row_a_source() -> None:
    for delivery in ROWS:
        assert set(delivery.resource_keys + delivery.kms_keys) <= set(KEY_VALUES), delivery.name
        assert "https://docs.aws.amazon.com/" in delivery.source, delivery.name


def test_a_delivery_without_a_row_is_an_error_saying_where_to_add_it() -> None:
    with pytest.raises(NoDeliveryContext, match=r"delivery_contexts\.py"):
        row("scheduler.amazonaws.com", "lambda", "lambda:InvokeFunction")


def test_the_offline_page_lists_every_row_with_its_keys() -> None:
    lines = OFFLINE_PAGE.read_text().splitlines()
    for delivery in ROWS:
        (line,) = [line for line in lines if line.startswith(f"| {delivery.name} |")]
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        for keys, cell in ((delivery.resource_keys, cells[2]), (delivery.kms_keys, cells[3])):
            assert cell == (", ".join(f"`{key}`" for key in keys) or "none"), delivery.name


def test_principals_with_a_region_fill_it_in() -> None:
    assert (
        row("logs.eu-west-1.amazonaws.com", "logs").principal_in("eu-west-1")
        == "logs.eu-west-1.amazonaws.com"
    )
    assert delivery_contexts.row("caller", "sqs", "sqs:ReceiveMessage").kms_actions == ("kms:Decrypt",)
