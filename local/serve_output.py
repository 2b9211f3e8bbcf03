"""What ``serve`` shows: a line per phase and per finished execution on the terminal, and everything
else (deploy notes, moto internals, Lambda logs, warnings) in a log file whose path it prints."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

WATCHED_OUTPUTS = {"TrainingStateMachineArn": "training", "ModelControlStateMachineArn": "model control"}
CAUSE_CHARACTERS = 160


@contextlib.contextmanager
def output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Send stdout, stderr, logging and warnings to ``log_path`` inside the block; yields the terminal."""
    terminal = sys.stdout
    root = logging.getLogger()
    with log_path.open("a", buffering=1) as log:
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        previous_handlers, previous_level = root.handlers[:], root.level
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        logging.captureWarnings(True)
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                yield terminal
        finally:
            logging.captureWarnings(False)
            root.handlers[:] = previous_handlers
            root.setLevel(previous_level)


def execution_line(kind: str, execution: dict[str, Any]) -> str:
    """One short line for a finished execution (the cause cut to its first line and 160 characters)."""
    line = f"{kind} execution {execution['name']}: {execution['status']}"
    if execution.get("error"):
        line += f" {execution['error']}"
    cause = (execution.get("cause") or "").strip().splitlines()
    if cause:
        cut = len(cause[0]) > CAUSE_CHARACTERS or len(cause) > 1
        line += f": {cause[0][:CAUSE_CHARACTERS]}{'…' if cut else ''}"
    return line


class ExecutionWatcher:
    """Prints one line per execution of the stack's state machines as it finishes (polls every second)."""

    def __init__(self, stepfunctions: Any, outputs: dict[str, str], terminal: TextIO) -> None:
        self._client = stepfunctions
        self._machines = {outputs[key]: kind for key, kind in WATCHED_OUTPUTS.items() if key in outputs}
        self._terminal = terminal
        self._seen: set[str] = set()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="execution-watcher", daemon=True)

    def start(self) -> ExecutionWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(1.0):
            try:
                self.poll()
            except Exception as error:  # the endpoint is going away or busy: try again next second
                logging.getLogger(__name__).warning("execution watcher: %s", error)

    def poll(self) -> None:
        for arn, kind in self._machines.items():
            pages = self._client.get_paginator("list_executions").paginate(stateMachineArn=arn)
            for page in pages:
                for summary in page["executions"]:
                    if summary["status"] == "RUNNING" or summary["executionArn"] in self._seen:
                        continue
                    self._seen.add(summary["executionArn"])
                    execution = self._client.describe_execution(executionArn=summary["executionArn"])
                    print(execution_line(kind, execution), file=self._terminal, flush=True)
