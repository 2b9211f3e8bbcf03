"""A progress bar for a batch analysis: items processed and failed, read from the execution's Map Run
(ListMapRuns, DescribeMapRun). On a terminal the bar is redrawn in place; elsewhere a line is printed
each time another tenth of the items is done."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

POLL_SECONDS = 1.0
WIDTH = 30


def bar(done: int, failed: int, total: int) -> str:
    filled = WIDTH * done // total if total else 0
    shown = f"{done}/{total}" if total else f"{done}"
    return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {shown} items, {failed} failed"


def item_counts(sfn: Any, execution_arn: str) -> dict[str, int] | None:
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    if not runs:
        return None
    return sfn.describe_map_run(mapRunArn=runs[-1]["mapRunArn"])["itemCounts"]


def follow_batch(
    sfn: Any,
    execution_arn: str,
    out: TextIO,
    *,
    poll_seconds: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Show the bar until the execution ends; returns DescribeExecution of the ended execution."""
    interactive = out.isatty()
    printed_tenth = -1
    last = ""
    while True:
        execution = sfn.describe_execution(executionArn=execution_arn)
        counts = item_counts(sfn, execution_arn)
        if counts is not None:
            done = counts.get("succeeded", 0) + counts.get("failed", 0)
            line = bar(done, counts.get("failed", 0), counts.get("total", 0))
            tenth = 10 * done // counts["total"] if counts.get("total") else 0
            if interactive and line != last:
                print(f"\r{line}", end="", file=out, flush=True)
            elif not interactive and tenth > printed_tenth:
                print(line, file=out, flush=True)
                printed_tenth = tenth
            last = line
        if execution["status"] != "RUNNING":
            if interactive and last:
                print(file=out)
            return execution
        sleep(poll_seconds)
