"""`customlabels analyse`: its input, and the Map Run progress bar."""

from __future__ import annotations

import argparse
import io

import pytest

from customlabels_cli.commands.analyse import batch_input, print_summary
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.map_progress import bar, follow_batch


class FakeStepFunctions:
    """An execution whose Map Run advances by one snapshot per DescribeExecution."""

    def __init__(self, snapshots: list[dict[str, int] | None]) -> None:
        self.snapshots = snapshots
        self.calls = 0

    def describe_execution(self, executionArn: str) -> dict:
        self.calls += 1
        done = self.calls >= len(self.snapshots)
        return {"executionArn": executionArn, "status": "SUCCEEDED" if done else "RUNNING", "output": "{}"}

    def list_map_runs(self, executionArn: str) -> dict:
        return {"mapRuns": [] if self.snapshots[self.calls - 1] is None else [{"mapRunArn": "arn:run"}]}

    def describe_map_run(self, mapRunArn: str) -> dict:
        return {"itemCounts": self.snapshots[self.calls - 1]}


def test_the_bar_shows_items_processed_and_failed() -> None:
    assert bar(500, 3, 1000) == "[" + "#" * 15 + "." * 15 + "] 500/1000 items, 3 failed"
    assert bar(0, 0, 0).endswith("] 0 items, 0 failed")


def test_off_a_terminal_a_line_is_printed_per_tenth_done() -> None:
    snapshots = [None] + [
        {"total": 100, "succeeded": done, "failed": failed}
        for done, failed in ((0, 0), (5, 0), (12, 1), (13, 1), (60, 2), (98, 2))
    ]
    out = io.StringIO()
    ended = follow_batch(FakeStepFunctions(snapshots), "arn:exec", out, sleep=lambda _s: None)
    assert ended["status"] == "SUCCEEDED"
    assert [line.split("] ")[1] for line in out.getvalue().splitlines()] == [
        "0/100 items, 0 failed",
        "13/100 items, 1 failed",
        "62/100 items, 2 failed",
        "100/100 items, 2 failed",
    ]


def _args(**overrides) -> argparse.Namespace:
    return argparse.Namespace(
        **{"source": "s3://b/p/", "version": None, "min_confidence": None, "keep_running": False, **overrides}
    )


def test_the_input_names_only_what_was_given() -> None:
    assert batch_input(_args()) == {"source": "s3://b/p/", "stopWhenDone": True}
    assert batch_input(_args(version="v2", min_confidence=40.0, keep_running=True)) == {
        "source": "s3://b/p/", "versionName": "v2", "minConfidence": 40.0, "stopWhenDone": False,
    }
    with pytest.raises(CliError):
        batch_input(_args(source="b/p/"))


def test_a_video_runs_summary_names_its_result() -> None:
    out = io.StringIO()
    summary = {
        "message": "batch video-x: video s3://b/uploads/x.mp4 analysed in 3 chunks, 20 frames in 9.5 s: "
        "SUCCEEDED; result s3://b/results/x.mp4.json",
        "modelVersion": {"name": "customlabels.v1", "arn": "arn:v1"},
        "chunks": 3,
    }
    print_summary(summary, out)
    assert "analysed in 3 chunks" in out.getvalue() and "results/x.mp4.json" in out.getvalue()
    assert "model customlabels.v1" in out.getvalue()
