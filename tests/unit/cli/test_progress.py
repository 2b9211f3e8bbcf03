"""The progress display of an execution: one line per state, poll loops folded into one line."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from customlabels_cli.support.progress import follow_execution, rows, steps_from_history

START = datetime(2024, 1, 1, tzinfo=UTC)
KINDS = {
    "Wait": "WaitStateEntered",
    "Choice": "ChoiceStateEntered",
    "Pass": "PassStateEntered",
    "Fail": "FailStateEntered",
    "Succeed": "SucceedStateEntered",
}


def history(*entries: tuple[float, str, str]) -> list[dict]:
    """(seconds after start, state kind, state name) -> history events."""
    return [
        {
            "type": KINDS.get(kind, "TaskStateEntered"),
            "timestamp": START + timedelta(seconds=at),
            "stateEnteredEventDetails": {"name": name},
        }
        for at, kind, name in entries
    ]


TRAINING = [
    (0, "Pass", "Begin"),
    (0, "Task", "ValidateInput"),
    (0.1, "Choice", "InputValid?"),
    (0.2, "Task", "Train"),
    (1, "Wait", "WaitForTraining"),
    (2, "Task", "CheckTraining"),
    (2.1, "Choice", "TrainingDone?"),
    (2.1, "Wait", "WaitForTraining"),
    (3, "Task", "CheckTraining"),
    (3.1, "Wait", "WaitForTraining"),
    (4, "Task", "CheckTraining"),
    (4.2, "Task", "Evaluate"),
]


def test_a_poll_loop_is_one_step_counting_its_polls():
    steps = steps_from_history(history(*TRAINING))
    assert [step.label for step in steps] == [
        "ValidateInput",
        "Train",
        "WaitForTraining/CheckTraining, 3 polls",
        "Evaluate",
    ]
    block = rows(steps, "RUNNING", START + timedelta(seconds=5))
    assert [(row.mark, round(row.seconds, 1)) for row in block] == [
        ("ok", 0.2),
        ("ok", 0.8),
        ("ok", 3.2),
        ("..", 0.8),
    ]


def test_a_longer_loop_merges_every_state_in_it():
    steps = steps_from_history(
        history(
            (0, "Task", "PrepareDatasets"),
            (1, "Wait", "WaitForDatasets"),
            (2, "Task", "CheckDatasets"),
            (3, "Task", "SplitDatasets"),
            (4, "Wait", "WaitForDatasets"),
            (5, "Task", "CheckDatasets"),
            (6, "Task", "Train"),
        )
    )
    assert [step.label for step in steps] == [
        "PrepareDatasets",
        "WaitForDatasets/CheckDatasets/SplitDatasets, 2 polls",
        "Train",
    ]


def test_a_failed_execution_marks_its_last_step():
    steps = steps_from_history(history((0, "Task", "ValidateInput"), (1, "Fail", "InvalidInput")))
    assert [row.mark for row in rows(steps, "FAILED", START + timedelta(seconds=1))] == ["ok", "FAIL"]


class RecordedExecution:
    """Step Functions answers for one execution that advances one history event per describe call."""

    def __init__(self, events: list[dict], status: str) -> None:
        self.events, self.final_status, self.seen = events, status, 0

    def describe_execution(self, executionArn: str) -> dict:
        self.seen = min(self.seen + 3, len(self.events))
        done = self.seen == len(self.events)
        execution = {"status": self.final_status if done else "RUNNING", "startDate": START}
        if done:
            execution["stopDate"] = self.events[-1]["timestamp"] + timedelta(seconds=1)
        return execution

    def get_execution_history(self, executionArn: str, maxResults: int, nextToken: str | None = None) -> dict:
        """Pages of two events, so the display must follow nextToken."""
        offset = int(nextToken or 0)
        page = {"events": self.events[offset : min(offset + 2, self.seen)]}
        if offset + 2 < self.seen:
            page["nextToken"] = str(offset + 2)
        return page


def test_lines_mode_prints_each_step_once_and_a_final_line():
    out = io.StringIO()
    events = history(*TRAINING, (5, "Succeed", "Succeeded"))
    execution = follow_execution(
        RecordedExecution(events, "SUCCEEDED"), "arn", out, live=False, sleep=lambda _: None
    )
    assert execution["status"] == "SUCCEEDED"
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines[:-1]] == [
        "ValidateInput",
        "Train",
        "WaitForTraining/CheckTraining,",
        "Evaluate",
        "Succeeded",
    ]
    assert "3 polls" in lines[2] and lines[-1] == "  SUCCEEDED after 6.0s"


def test_live_mode_redraws_the_block_in_place():
    out = io.StringIO()
    follow_execution(
        RecordedExecution(history(*TRAINING), "FAILED"), "arn", out, live=True, sleep=lambda _: None
    )
    text = out.getvalue()
    assert "\x1b[" in text and "F\x1b[J" in text  # cursor up + clear before each redraw
    final = text.rsplit("\x1b[J", 1)[-1].splitlines()
    assert final[-1] == "  FAILED after 5.2s" and final[-2].split()[:2] == ["FAIL", "Evaluate"]
