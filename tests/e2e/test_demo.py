"""`make demo` runs in CI: `python -m local demo` from nothing to a stopped model, as a user sees it."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from local.demo import DROPPED_IMAGES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
DEMO_TIMEOUT = 420  # a hang guard, not a budget: `make test` runs another module beside it (-n 2)


def test_the_demo_trains_labels_the_dropped_images_and_shuts_down(tmp_path):
    out_dir = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-m", "local", "demo", "--out", str(out_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT,
    )
    output = run.stdout
    assert run.returncode == 0, output + run.stderr
    assert [int(n) for n in re.findall(r"^\[(\d)/6\]", output, re.MULTILINE)] == [1, 2, 3, 4, 5, 6]
    assert re.search(r"ok\s+WaitForTraining/CheckTraining, \d+ polls\s+\d+\.\ds", output)
    assert "SUCCEEDED after" in output and "is the champion" in output
    assert "Confusion matrix" in output
    # the model learnt from noisy digits (F1 about 0.9): an image may get no label above the thresholds
    results = re.findall(r"demo/digit-\d{4}\.png\s+true (\d)\s+->\s+(\d \(\d+\.\d%\)|no label)", output)
    assert len(results) == DROPPED_IMAGES and len({truth for truth, _ in results}) == DROPPED_IMAGES
    assert sum(found != "no label" for _, found in results) >= DROPPED_IMAGES * 0.7
    assert "the model is STOPPED" in output
    assert "shapes-v1: gate passed" in output
    assert re.search(r"noisy-v1: GateFailed, .* label\(s\) below minLabelF1 0\.8000: ", output), output
    assert "<svg" in (out_dir / "evaluation.html").read_text()

    endpoint = urlparse(json.loads((out_dir / "outputs.json").read_text())["InferenceQueueUrl"])
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection((endpoint.hostname, endpoint.port), 2),
    ):
        pass  # the local endpoint is gone: the demo shut it down
