"""The approval gate: the training run waits for a person; they get what they need to decide.

RequestApproval runs with `.waitForTaskToken`: it keeps the task token where no person can read it
(approval_tokens), marks the version's registry item PENDING (what `customlabels approve|reject` and
the approval function look for) and publishes the review to the topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from customlabels.promotion.approval_tokens import ApprovalTokens
from customlabels.training.contract import StepOutput
from customlabels.training.registry import utc_now
from customlabels.training.services import Services

PENDING = "PENDING"


@dataclass(frozen=True)
class Requested(StepOutput):
    status: str
    timeoutAt: str


def review_message(event: Mapping[str, Any], timeout_at: str) -> str:
    """The text a reviewer reads: version, F1, per-label table, champion comparison, report, commands."""
    settings, evaluation = event["settings"], event["evaluation"]
    version = settings["versionName"]
    champion = evaluation.get("championVersion")
    compared = (
        f"champion {champion} has F1 {evaluation.get('championF1')}"
        if champion
        else "there is no champion yet"
    )
    rows = [f"  {'label':<24} {'F1':>6} {'precision':>9} {'recall':>7} {'threshold':>9}"]
    for label in evaluation.get("labels") or []:
        rows.append(
            f"  {label.get('label')!s:<24} {_number(label.get('f1Score')):>6} "
            f"{_number(label.get('precision')):>9} {_number(label.get('recall')):>7} "
            f"{_number(label.get('threshold')):>9}"
        )
    return "\n".join(
        [
            f"Model {version} of {settings['projectName']} passed the gate and waits for approval "
            f"until {timeout_at}.",
            f"F1 {_number(evaluation['f1Score'])} (threshold {evaluation['f1Threshold']}): "
            f"{evaluation['reason']}; {compared}.",
            "Per label:",
            *rows,
            f"Evaluation report: {evaluation['summaryUri']}",
            f"  (a page of it: customlabels report {version} --html report.html)",
            f"Execution: {event['executionArn']}",
            "Decide with (as a person holding the stack's ApproverAccess policy):",
            f"  customlabels approve {version} --reason 'why'",
            f"  customlabels reject {version} --reason 'why'",
        ]
    )


def request_approval(event: dict, services: Services, tokens: ApprovalTokens, sns: Any) -> Requested:
    settings = event["settings"]
    project, version = settings["projectName"], settings["versionName"]
    deadline = datetime.now(UTC) + timedelta(seconds=settings["approvalTimeoutSeconds"])
    timeout_at = deadline.isoformat(timespec="seconds")
    tokens.keep(event["executionArn"], project, version, event["taskToken"], int(deadline.timestamp()))
    approval = {
        "status": PENDING,
        "executionArn": event["executionArn"],
        "requestedAt": utc_now(),
        "timeoutAt": timeout_at,
    }
    services.registry.update_version(project, version, approval=approval)
    sns.publish(
        TopicArn=event["topicArn"],
        Subject=f"Custom Labels approval needed: {settings['versionName']}"[:100],
        Message=review_message(event, timeout_at),
    )
    return Requested(status=PENDING, timeoutAt=timeout_at)


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else json.dumps(value)
