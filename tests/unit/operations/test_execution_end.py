"""The message a person reads when a pipeline execution ends: one subject and plain sentences, no JSON."""

from __future__ import annotations

import json

import pytest

from customlabels.operations.execution_end import SUBJECT_LIMIT, UnknownEnd, notice, published

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:Training"
EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:Training:run-7"
KINDS = {MACHINE: "training"}


def ended(status: str, **extra: object) -> dict:
    return {
        "executionArn": EXECUTION,
        "stateMachineArn": MACHINE,
        "name": "run-7",
        "status": status,
        "startDate": 1_765_000_000_000,
        "stopDate": 1_765_000_000_000 + 12 * 60_000,
        "output": None,
        "outputDetails": None,
        "error": None,
        "cause": None,
        **extra,
    }


def test_a_success_says_what_the_run_did_from_its_summary() -> None:
    output = json.dumps({"outcome": "PROMOTED", "message": "v2 is RUNNING and is the champion of birds"})
    told = notice(ended("SUCCEEDED", output=output, outputDetails={"included": True}), KINDS, "birds")
    assert told.subject == "birds: training succeeded"
    assert told.message.startswith(
        "The training run run-7 of birds succeeded: v2 is RUNNING and is the champion of birds."
    )
    assert "ran 12 min" in told.message and "{" not in told.message
    assert f"#/v2/executions/details/{EXECUTION}" in told.message
    assert "https://eu-west-1.console.aws.amazon.com/states/" in told.message
    assert told.attributes == {"status": "SUCCEEDED", "executionArn": EXECUTION}


def test_a_failure_names_the_failure_in_the_subject_and_gives_its_cause() -> None:
    cause = "F1 0.41 is below the threshold 0.9; the model stays trained and is not started"
    told = notice(ended("FAILED", error="GateFailed", cause=cause), KINDS, "birds")
    assert told.subject == "birds: training failed (GateFailed)"
    assert told.message.startswith(f"The training run run-7 of birds failed with GateFailed: {cause}.")
    assert told.attributes["error"] == "GateFailed"


@pytest.mark.parametrize(
    ("status", "words"),
    [("TIMED_OUT", "timed out: it ran longer than its state machine allows"), ("ABORTED", "was stopped")],
)
def test_timeouts_and_stops_are_told_too(status: str, words: str) -> None:
    told = notice(ended(status), KINDS, "birds")
    assert words in told.message and told.subject.startswith("birds: training ")


def test_an_output_left_out_of_the_event_is_pointed_at() -> None:
    told = notice(ended("SUCCEEDED", outputDetails={"included": False}), KINDS, "birds")
    assert "too large to send in this message" in told.message


def test_an_unknown_machine_and_a_long_subject_stay_within_what_sns_takes() -> None:
    long_name = "p" * 120
    told = notice(ended("FAILED", stateMachineArn="arn:other", error="Bäd"), KINDS, long_name)
    assert len(told.subject) <= SUBJECT_LIMIT and told.subject.isascii()
    assert "The pipeline run run-7" in told.message


def test_a_running_execution_is_not_an_end() -> None:
    with pytest.raises(UnknownEnd, match="'RUNNING' is not an execution end"):
        notice(ended("RUNNING"), KINDS, "birds")


def test_published_sends_subject_message_and_filterable_attributes(local_client) -> None:
    sns, sqs = local_client("sns"), local_client("sqs")
    topic = sns.create_topic(Name="ends")["TopicArn"]
    queue = sqs.create_queue(QueueName="ends")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attributes["QueueArn"])
    told = notice(ended("FAILED", error="InvalidInput", cause="projectName must be text"), KINDS, "birds")
    published(sns, topic, told)
    (received,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    envelope = json.loads(received["Body"])
    assert (envelope["Subject"], envelope["Message"]) == (told.subject, told.message)
    assert envelope["MessageAttributes"]["error"]["Value"] == "InvalidInput"
