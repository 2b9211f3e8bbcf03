"""The one message people get when a pipeline execution ends: a subject and a few sentences for an email.

Read from the execution's "Step Functions Execution Status Change" event (source ``aws.states``): its
``status``, ``error``, ``cause`` and ``output`` (https://docs.aws.amazon.com/step-functions/latest/dg/
cw-events.html). The event leaves the output out when it is larger than the event allows
(``outputDetails.included`` false); the message then says so and points at the execution.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# SNS Publish: a Subject is "UTF-8 text with no line breaks or control characters, and less than 100
# characters long" (API_Publish.html); printable ASCII only here, which every mail client shows as is.
SUBJECT_LIMIT = 99
ENDINGS = {"SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "timed out", "ABORTED": "was stopped"}


class UnknownEnd(ValueError):
    """The event is not the end of an execution (RUNNING, or not a status-change event)."""


@dataclass(frozen=True)
class Notice:
    subject: str
    message: str
    attributes: dict[str, str]  # SNS message attributes subscribers can filter on


def notice(detail: Mapping[str, Any], kinds: Mapping[str, str], project: str) -> Notice:
    """The notice of the execution end `detail` describes; `kinds` names each state machine by its ARN."""
    status = detail.get("status")
    if status not in ENDINGS:
        raise UnknownEnd(f"status {status!r} is not an execution end ({', '.join(ENDINGS)})")
    kind = kinds.get(detail["stateMachineArn"], "pipeline")
    error = detail.get("error") or ""
    run = f"The {kind} run {detail['name']} of {project}"
    lines = [f"{run} {_what_happened(status, error, detail)}", _when(detail), _link(detail["executionArn"])]
    subject = f"{project}: {kind} {ENDINGS[status]}" + (f" ({error})" if error else "")
    attributes = {"status": status, "executionArn": detail["executionArn"]}
    if error:
        attributes["error"] = error
    return Notice(_subject(subject), "\n\n".join(line for line in lines if line), attributes)


def _what_happened(status: str, error: str, detail: Mapping[str, Any]) -> str:
    cause = _sentence(detail.get("cause") or "")
    if status == "SUCCEEDED":
        return f"succeeded: {_sentence(_summary(detail))}"
    if status == "FAILED":
        return f"failed with {error or 'an unnamed error'}: {cause or 'Step Functions gave no cause.'}"
    if status == "TIMED_OUT":
        return (
            "timed out: it ran longer than its state machine allows (TimeoutSeconds) and Step Functions "
            f"ended it. {cause}"
        ).rstrip()
    return f"was stopped (StopExecution) before it ended. {cause}".rstrip()


def _summary(detail: Mapping[str, Any]) -> str:
    """The message of the execution's output (every pipeline machine's summary has one)."""
    if not (detail.get("outputDetails") or {}).get("included", True) or detail.get("output") is None:
        return "its output is too large to send in this message; the execution shows it"
    output = json.loads(detail["output"])
    message = output.get("message") if isinstance(output, dict) else None
    return str(message) if message else f"its output is {detail['output'][:500]}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def _when(detail: Mapping[str, Any]) -> str:
    start, stop = detail.get("startDate"), detail.get("stopDate")
    if start is None or stop is None:
        return ""
    began = datetime.fromtimestamp(start / 1000, UTC)
    minutes = max(0, round((stop - start) / 60000))
    return f"It started {began:%Y-%m-%d %H:%M} UTC and ran {minutes} min."


def _link(execution_arn: str) -> str:
    region = execution_arn.split(":")[3]
    console = (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )
    return f"Open the execution: {console}"


def _subject(text: str) -> str:
    printable = "".join(c if " " <= c <= "~" else "?" for c in text)
    return printable if len(printable) <= SUBJECT_LIMIT else printable[: SUBJECT_LIMIT - 3] + "..."


def published(sns: Any, topic_arn: str, told: Notice) -> str:
    """Publish `told` to the topic; the message id."""
    attributes = {k: {"DataType": "String", "StringValue": v} for k, v in told.attributes.items()}
    answer = sns.publish(
        TopicArn=topic_arn, Subject=told.subject, Message=told.message, MessageAttributes=attributes
    )
    return answer["MessageId"]
