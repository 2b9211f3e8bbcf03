"""`make bench` shows figures only: the handlers' JSON log and metric lines go to the log file."""

from __future__ import annotations

import io

from bench.__main__ import FiguresOnly


def test_json_lines_go_to_the_log_and_figures_to_the_terminal() -> None:
    terminal, log = io.StringIO(), io.StringIO()
    out = FiguresOnly(terminal, log)
    out.write('backfill: 41.2 images/s\n{"_aws": {"CloudWatchMetrics": []}, "Images": 1}\n{"level": "INFO"')
    out.write(', "message": "done"}\nratio {not json} 0.9x\n')
    assert terminal.getvalue() == "backfill: 41.2 images/s\nratio {not json} 0.9x\n"
    assert log.getvalue().count("\n") == 2 and '"_aws"' in log.getvalue() and '"level"' in log.getvalue()
