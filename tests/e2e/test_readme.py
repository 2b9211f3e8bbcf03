"""The README's "Try it offline" block, run as a newcomer runs it: the commands before "in another
shell" in the clone (`serve` in the background until it is ready), the rest from a shell in a temporary
folder outside the repository. A failing command or a traceback fails the test."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SERVE_TIMEOUT = 300
SECOND_SHELL = "# in another shell"
RESULT = "results/digit.png.json"  # the upload's result, as the README reads it


def readme_commands() -> tuple[list[str], list[str]]:
    """The block's commands (continuation lines joined), split at the "in another shell" comment."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Try it offline\s+```bash\n(.*?)```", readme, re.S)
    assert block, "README has no ```bash block under ## Try it offline"
    text = block.group(1).replace("\\\n", " ")
    first, _, second = text.partition(SECOND_SHELL)
    assert second, f"README's block has no {SECOND_SHELL!r} line"
    second = second.split("\n", 1)[1]  # the rest of the comment line
    return _lines(first), _lines(second)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def _environment(home: Path) -> dict[str, str]:
    keep = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CUSTOMLABELS_"))}
    return {**keep, "HOME": str(home)}


@pytest.fixture
def served(home: Path, tmp_path: Path) -> Iterator[Path]:
    """The first shell: every command in the clone, `serve` left running until it says ready."""
    first, _ = readme_commands()
    *setup, serve = first
    assert "local serve" in serve, f"the first shell's last command is not serve: {serve}"
    for command in setup:
        subprocess.run(["bash", "-c", command], cwd=ROOT, env=_environment(home), check=True, timeout=600)
    log = tmp_path / "serve.out"
    with log.open("w") as out:
        child = subprocess.Popen(
            ["bash", "-c", f"exec {serve}"],
            cwd=ROOT, env=_environment(home), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while "\nready http" not in "\n" + log.read_text():
            assert child.poll() is None, f"serve exited with {child.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve not ready after {SERVE_TIMEOUT} s:\n{log.read_text()}"
            time.sleep(0.5)
        yield log
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    assert "Traceback" not in log.read_text(), log.read_text()


def test_the_try_it_offline_commands_work_as_written(served: Path, home: Path, tmp_path: Path) -> None:
    _, second = readme_commands()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = "set -euo pipefail\n" + "\n".join(f"echo '+ {c[:60]}'\n{c}" for c in second)
    result = subprocess.run(
        ["bash", "-c", script], cwd=elsewhere, env=_environment(home),
        capture_output=True, text=True, timeout=900,
    )
    shown = f"{result.stdout}\n{result.stderr}\nserve:\n{served.read_text()}"
    assert result.returncode == 0, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert (elsewhere / "report.html").is_file(), shown
    printed = result.stdout.partition(f"+ aws s3 cp s3://$INFERENCE/{RESULT}")[2]
    assert "{" in printed, f"the upload's result was not printed:\n{shown}"
    upload, _ = json.JSONDecoder().raw_decode(printed, printed.index("{"))
    assert upload["status"] == "SUCCEEDED" and upload["labels"], shown
    assert upload["image"]["key"] == "uploads/digit.png", shown
    assert "training execution" in served.read_text() and "SUCCEEDED" in served.read_text(), shown
