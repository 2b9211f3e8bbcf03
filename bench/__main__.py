"""`python -m bench`: run every module in bench/ that defines `run() -> None`, in name order.

The terminal gets the figures only: what the in-process Lambda handlers print (Powertools' JSON log
lines and embedded-metric documents, one JSON object per line) and Python logging go to a log file
whose path is printed first."""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

import bench


class FiguresOnly:
    """stdout that passes every line through except whole JSON objects, which go to the log."""

    def __init__(self, terminal: TextIO, log: TextIO) -> None:
        self.terminal, self.log, self.pending = terminal, log, ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            (self.log if _is_json_object(line) else self.terminal).write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()
        self.log.flush()


def _is_json_object(line: str) -> bool:
    if not line.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def main(selected: list[str]) -> int:
    log_path = Path(tempfile.mkstemp(prefix="customlabels-bench-", suffix=".log")[1])
    print(f"log (Lambda output, metrics, logging): {log_path}", flush=True)
    with log_path.open("a", buffering=1) as log:
        logging.basicConfig(stream=log, level=logging.INFO, force=True)
        terminal, sys.stdout = sys.stdout, FiguresOnly(sys.stdout, log)
        try:
            _run(selected)
        finally:
            sys.stdout = terminal
    return 0


def _run(selected: list[str]) -> None:
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda item: item.name):
        if info.name.startswith("_") or (selected and info.name not in selected):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        run = getattr(module, "run", None)
        if callable(run):
            print(f"== bench.{info.name}", flush=True)
            run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
