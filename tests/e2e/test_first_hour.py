"""A newcomer's first hour with two accounts, as a person runs it: `serve --accounts ... --env-file` in the
background, then shells that source the env file and run the CLI as installed. Each step is one of
issue 34's dead ends, now with a way through: a misspelled manifest key, the approval wait that names
its command, Ctrl-C during `train --wait` (exit 130, the run goes on), `watch`, a rollback with nothing
to roll back to, `promote --to production` with no extra flag, `status --production`, and `status` and
`report` after `teardown`."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.test_readme import ROOT, SERVE_TIMEOUT, _environment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PRODUCTION = "222222222222"
VERSION = "first-hour"
NOTICE_SECONDS = 60  # the acceptance: the approve command within a minute of reaching the approval
SERVE = [
    ".venv/bin/python", "-m", "local", "serve", "--accounts", PRODUCTION,
    "-c", f"productionAccount={PRODUCTION}", "-c", "deploy=false", "-c", "requireImprovement=false",
    "-c", "f1Threshold=0.5",
]  # fmt: skip


class Shell:
    """A shell in a folder outside the clone that sources serve's env file before each command."""

    def __init__(self, env_file: Path, home: Path, folder: Path) -> None:
        self.env_file, self.env, self.folder = env_file, _environment(home), folder

    def script(self, command: str) -> list[str]:
        return ["bash", "-c", f". {self.env_file} && exec {command}"]

    def run(self, command: str, timeout: float = 600) -> subprocess.CompletedProcess:
        done = subprocess.run(self.script(command), cwd=self.folder, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done

    def start(self, command: str, output: Path) -> subprocess.Popen:
        with output.open("w") as out:
            return subprocess.Popen(self.script(command), cwd=self.folder, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def shell(tmp_path_factory) -> Iterator[Shell]:
    folder = tmp_path_factory.mktemp("first-hour")
    home, elsewhere = folder / "home", folder / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    env_file, log = home / "customlabels-local.env", folder / "serve.out"
    with log.open("w") as out:
        serve = subprocess.Popen([*SERVE, "--env-file", str(env_file)], cwd=ROOT, env=_environment(home),
                                 stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while "\nready http" not in "\n" + log.read_text():
            assert serve.poll() is None, f"serve exited with {serve.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve not ready after {SERVE_TIMEOUT} s:\n{log.read_text()}"
            time.sleep(0.5)
        yield Shell(env_file, home, elsewhere)
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(60)


def _bucket(shell: Shell) -> str:
    done = shell.run("aws cloudformation describe-stacks --stack-name CustomLabelsPipeline --query "
                     "\"Stacks[0].Outputs[?OutputKey=='ConsoleBucketName'].OutputValue\" --output text")
    return done.stdout.strip()


def _until_printed(path: Path, text: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        assert process.poll() is None, path.read_text()
        assert time.monotonic() < deadline, f"{text!r} not printed in {timeout} s:\n{path.read_text()}"
        time.sleep(0.5)


def _approval_reached(shell: Shell, execution: str) -> datetime:
    done = shell.run(f"aws stepfunctions get-execution-history --execution-arn {execution}")
    history = json.loads(done.stdout)
    stamp = next(event["timestamp"] for event in history["events"]
                 if (event.get("stateEnteredEventDetails") or {}).get("name") == "RequestApproval")
    # The AWS CLI prints epoch seconds (v1's default cli_timestamp_format) or ISO 8601 (v2's).
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, UTC)
    return datetime.fromisoformat(stamp)


def test_the_first_hour_has_no_dead_ends(shell: Shell, tmp_path: Path) -> None:
    bucket = _bucket(shell)
    prefix = f"s3://{bucket}/datasets/customlabels/digits"
    made = shell.run(f"python -m local samples digits --count 200 --bucket {bucket} "
                     "--prefix datasets/customlabels/digits")
    assert made.returncode == 0, made.stderr

    typo = shell.folder / "typo.jsonl"
    metadata = {"class-name": "0", "confidence": 1, "type": "groundtruth/image-classification",
                "human-annotated": "yes", "creation-date": "2026-01-01"}
    line = {"source_ref": f"{prefix}/x.png", "digit": 0, "digit-metadata": metadata}
    typo.write_text(json.dumps(line) + "\n")
    said = shell.run(f"customlabels validate {typo} --skip-images")
    assert said.returncode == 1 and 'did you mean "source-ref"?' in said.stdout, said.stdout

    following = tmp_path / "train.out"
    train = shell.start(f"customlabels train --training {prefix}/train.manifest --testing "
                        f"{prefix}/test.manifest --version {VERSION} --require-approval --wait", following)
    _until_printed(following, f"customlabels approve {VERSION}", train, timeout=600)
    seen = datetime.now(UTC)
    execution = next(word for word in following.read_text().split() if ":execution:" in word)
    assert (seen - _approval_reached(shell, execution)).total_seconds() < NOTICE_SECONDS

    train.send_signal(signal.SIGINT)
    assert train.wait(30) == 130, following.read_text()
    assert "customlabels watch" in following.read_text() and "Traceback" not in following.read_text()
    status = shell.run("customlabels status")
    assert f"Waiting for approval: {VERSION}" in status.stdout, status.stdout
    assert "Training running: none" not in status.stdout, status.stdout

    assert shell.run(f"customlabels approve {VERSION} --reason 'first hour'").returncode == 0
    watched = shell.run("customlabels watch")
    assert watched.returncode == 0 and "SUCCEEDED" in watched.stdout, watched.stdout + watched.stderr

    rollback = shell.run("customlabels promote --to production --rollback")
    assert rollback.returncode == 2 and "nothing to roll back to" in rollback.stderr, rollback.stderr
    promoted = shell.run(f"customlabels promote --to production {VERSION}")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    production = shell.run("customlabels status --production")
    assert f"champion {VERSION}" in production.stdout, production.stdout + production.stderr

    assert shell.run(f"customlabels promote {VERSION}").returncode == 0  # the training champion, too
    torn = shell.run("customlabels teardown --yes --poll-seconds 0.5")
    assert torn.returncode == 0, torn.stdout + torn.stderr
    after = shell.run("customlabels status")
    assert f"no champion (its champion {VERSION} was deleted by `customlabels teardown`" in after.stdout
    report = shell.run("customlabels report")
    assert report.returncode == 0 and f"{VERSION} was deleted by `customlabels teardown`" in report.stdout, (
        report.stdout + report.stderr)
