"""Live progress of a Step Functions execution, state by state, from its execution history.

Each visible state (Task, Wait, Map, Parallel, Succeed, Fail; Pass and Choice take no time) is one step.
Entering a state seen before closes a loop: the steps from that state on merge into one step
("WaitForTraining/CheckTraining, 12 polls"), so a poll loop is one line, not one per poll.
On a terminal the block is redrawn in place; elsewhere (CI, pipes) each step is printed once it is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from customlabels.training.contract import FAILED_STATE

VISIBLE_ENTRIES = {
    "TaskStateEntered",
    "WaitStateEntered",
    "MapStateEntered",
    "ParallelStateEntered",
    "SucceedStateEntered",
    "FailStateEntered",
}
RUNNING = "RUNNING"
POLL_SECONDS = 0.5
HELD_BACK = 2


@dataclass(frozen=True)
class Step:
    states: tuple[str, ...]
    started: datetime
    visits: int = 1  # entries into the first state: the number of passes through a loop

    @property
    def label(self) -> str:
        name = "/".join(self.states)
        return f"{name}, {self.visits} polls" if self.visits > 1 else name


def steps_from_history(events: Iterable[dict]) -> list[Step]:
    steps: list[Step] = []
    for event in events:
        if event["type"] == "ExecutionFailed":
            _name_the_failure(steps, (event.get("executionFailedEventDetails") or {}).get("error"))
        if event["type"] not in VISIBLE_ENTRIES:
            continue
        name = event["stateEnteredEventDetails"]["name"]
        seen = next((index for index, step in enumerate(steps) if name in step.states), None)
        if seen is None:
            steps.append(Step((name,), event["timestamp"]))
            continue
        loop = steps[seen:]
        merged = tuple(state for step in loop for state in step.states)
        visits = loop[0].visits + (name == merged[0])
        steps[seen:] = [Step(merged, loop[0].started, visits)]
    return steps


def _name_the_failure(steps: list[Step], error: str | None) -> None:
    """The machines' shared Fail state shows as one step named by the failure (ManifestInvalid,
    GateFailed ...), where the run left its way."""
    tail = next((index for index, step in enumerate(steps) if step.states[0] == FAILED_STATE), None)
    if tail is not None and error:
        steps[tail:] = [Step((error,), steps[tail].started)]


def _seconds(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0)


def format_elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:5.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


@dataclass(frozen=True)
class Row:
    mark: str
    label: str
    seconds: float

    def text(self) -> str:
        return f"  {self.mark:<4} {self.label:<52} {format_elapsed(self.seconds):>7}"


def rows(steps: list[Step], status: str, end: datetime) -> list[Row]:
    result = []
    for index, step in enumerate(steps):
        finish = steps[index + 1].started if index + 1 < len(steps) else end
        last = index + 1 == len(steps)
        mark = "ok"
        if last and status == RUNNING:
            mark = ".."
        elif last and status != "SUCCEEDED":
            mark = "FAIL"
        result.append(Row(mark, step.label, _seconds(step.started, finish)))
    return result


class LiveBlock:
    """Redraws the whole block in place (terminal)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.drawn = 0

    def show(self, block: list[Row], footer: str, finished: bool, notice: str | None = None) -> None:
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F\x1b[J")
        lines = [row.text() for row in block] + [footer] + ([notice] if notice else [])
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        self.drawn = len(lines)


class DoneLines:
    """Prints each step once it is done (pipes and logs). The last steps are held back because a poll
    loop (Wait, Check) shows itself only when its first state comes round again; a longer loop merges
    steps already printed and is printed again, merged."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.printed: list[str] = []
        self.noticed: str | None = None

    def show(self, block: list[Row], footer: str, finished: bool, notice: str | None = None) -> None:
        if notice and notice != self.noticed:
            print(notice, file=self.out, flush=True)
        self.noticed = notice
        done = block if finished else block[:-HELD_BACK]
        for index, row in enumerate(done):
            if index < len(self.printed) and self.printed[index] == row.label:
                continue
            print(row.text(), file=self.out, flush=True)
            self.printed = [*self.printed[:index], row.label]
        if finished:
            print(footer, file=self.out, flush=True)


def _history(sfn: Any, arn: str) -> list[dict]:
    events, request = [], {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**request)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        request["nextToken"] = page["nextToken"]


def follow_execution(
    sfn: Any,
    arn: str,
    out: TextIO,
    *,
    live: bool | None = None,
    interval: float = POLL_SECONDS,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    notice: Callable[[list[dict]], str | None] = lambda events: None,
) -> dict:
    """Show the execution's steps until it ends; returns the final DescribeExecution response.
    `notice` says what a person must do now (e.g. approve), from the history; shown while it holds."""
    is_live = out.isatty() if live is None else live
    display = LiveBlock(out) if is_live else DoneLines(out)
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        status = execution["status"]
        finished = status != RUNNING
        end = execution.get("stopDate") or clock()
        events = _history(sfn, arn)
        block = rows(steps_from_history(events), status, end)
        total = format_elapsed(_seconds(execution["startDate"], end)).strip()
        footer = f"  {status} after {total}" if finished else f"  running for {total}"
        display.show(block, footer, finished, None if finished else notice(events))
        if finished:
            return execution
        sleep(interval)
