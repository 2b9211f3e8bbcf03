"""`python -m local serve|endpoint`: a busy port fails at once; the shell exports; one line per execution."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.ports import HOST
from local.serve_output import execution_line
from local.shell_env import production_exports, shell_exports, write_env_file


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("command", ["serve", "endpoint"])
def test_a_busy_port_exits_non_zero_instead_of_waiting(command: str, busy_port: int, tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local", command, "--port", str(busy_port)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # any folder: `local` is installed; a hang times out
    )
    assert result.returncode == 2
    assert f"port {busy_port} on {HOST} is in use" in result.stderr
    assert "fix: pass another --port" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_exports_point_a_shell_at_the_endpoint_with_the_venv_first(tmp_path) -> None:
    env_file = tmp_path / "local.env"
    env_file.write_text(shell_exports("http://127.0.0.1:4321"))
    shown = subprocess.run(
        ["sh", "-c", f'. "{env_file}" && echo "$AWS_ENDPOINT_URL $AWS_DEFAULT_REGION" && command -v python'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert shown[0] == "http://127.0.0.1:4321 us-east-1"
    assert shown[1].startswith(str(Path(sys.executable).parent))


def test_a_finished_execution_is_one_short_line() -> None:
    cause = "x" * 400 + "\nTraceback (most recent call last):\n  File ..."
    line = execution_line("training", {"name": "run-1", "status": "FAILED", "error": "Boom", "cause": cause})
    assert line.startswith("training execution run-1: FAILED Boom: xxx")
    assert line.endswith("…") and "\n" not in line and len(line) < 220
    ok = execution_line("model control", {"name": "m", "status": "SUCCEEDED"})
    assert ok == "model control execution m: SUCCEEDED"


def test_a_two_account_env_file_names_the_production_role(tmp_path) -> None:
    outputs = {"PromotionStateMachineArn": "arn:aws:states:us-east-1:222222222222:stateMachine:p"}
    env_file = write_env_file(tmp_path / "local.env", "http://127.0.0.1:4321", production_exports(outputs))
    shown = subprocess.run(
        ["sh", "-c", f'. "{env_file}" && echo "$CUSTOMLABELS_PRODUCTION_ROLE"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown == "arn:aws:iam::222222222222:role/Administrator"
    assert "new port each run" in env_file.read_text()
    assert production_exports({}) == {}
