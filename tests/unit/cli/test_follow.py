"""Following a run: the approval gate says which command decides it, and Ctrl-C stops the following
only (exit 130, the way back named), never the execution."""

from __future__ import annotations

import io
import json

from customlabels_cli.support import executions
from customlabels_cli.support.approval_wait import approval_notice
from customlabels_cli.support.progress import follow_execution
from customlabels_cli.support.stack import Stack
from tests.unit.cli.test_progress import RecordedExecution, history

VERSION = "v-20261207T0643-1a2b3c"
ARN = "arn:aws:states:us-east-1:123456789012:execution:digits-training:digits-20261207T064305-128610"


def approval_history(*after: tuple[float, str, str]) -> list[dict]:
    events = history((0, "Task", "Train"), (1, "Task", "Evaluate"), (2, "Task", "RequestApproval"), *after)
    settings = {"run": {"settings": {"versionName": VERSION}}}
    events[2]["stateEnteredEventDetails"]["input"] = json.dumps(settings)
    return events


def test_waiting_at_the_approval_names_both_commands():
    notice = approval_notice(approval_history())
    assert f"customlabels approve {VERSION}" in notice and f"customlabels reject {VERSION}" in notice


def test_no_notice_once_the_run_has_left_the_approval():
    assert approval_notice(approval_history((3, "Task", "StartModel"))) is None
    assert approval_notice(history((0, "Task", "Train"))) is None


def test_lines_mode_prints_the_approve_command_once_while_it_waits():
    out = io.StringIO()
    recorded = RecordedExecution(approval_history(), "RUNNING")
    recorded.seen = len(recorded.events) - 3  # the run is at RequestApproval from the first poll on
    polls = iter(range(4))

    def sleep(_: float) -> None:
        if next(polls) == 3:  # then the person decides: the run goes on and ends
            recorded.events += history((9, "Task", "StartModel"), (10, "Succeed", "Succeeded"))
            recorded.final_status = "SUCCEEDED"

    follow_execution(recorded, ARN, out, live=False, sleep=sleep, notice=approval_notice)
    assert out.getvalue().count(f"customlabels approve {VERSION}") == 1


class Interrupted:
    """Step Functions as seen when the person presses Ctrl-C while the CLI polls."""

    def describe_execution(self, executionArn: str) -> dict:
        raise KeyboardInterrupt

    def stop_execution(self, **kwargs: object) -> None:  # pragma: no cover - must never be called
        raise AssertionError("Ctrl-C must not stop the execution")


def test_ctrl_c_while_following_exits_130_and_names_watch():
    stack = Stack({}, "digits", session=None, _clients={"stepfunctions": Interrupted()})
    out = io.StringIO()
    assert executions.wait(stack, ARN, out) == 130
    said = out.getvalue()
    assert "the execution goes on" in said
    assert "customlabels watch digits-20261207T064305-128610" in said
    assert "Traceback" not in said

