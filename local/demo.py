"""`make demo` / `python -m local demo`: the whole pipeline offline, in a few minutes, from nothing.

Serves the app's stack locally (`python -m local serve` in a child process), then drives it the way a
user would, through the `customlabels` CLI and plain S3 uploads: generate the digits sample, train
(progress state by state), print the evaluation (also as HTML), drop images into uploads/ and print
their labels as they arrive, stop the model, and shut the endpoint down.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import boto3

from customlabels_cli import main as cli
from customlabels_cli.support.stack import PROJECT_ENV, cdk_json_project
from local.ports import HOST, free_port
from local.samples import Sample, digit_samples, write_samples

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_COUNT = 300
DROPPED_IMAGES = 10
SERVE_TIMEOUT = 150
RESULT_TIMEOUT = 60
SHUTDOWN_TIMEOUT = 30
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class DemoFailed(Exception):
    """A step of the demo did not do what it should; the message says which and why."""


@dataclass(frozen=True)
class Served:
    url: str
    outputs_file: Path
    outputs: dict[str, str]


class Stopwatch:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.monotonic()
        self.steps = 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def step(self, title: str, total: int = 6) -> None:
        self.steps += 1
        print(f"\n[{self.steps}/{total}] {title}   (t+{self.elapsed:.0f}s)", file=self.out, flush=True)


def _ready_url(log: Path) -> str | None:
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("ready "):
            return line.split(" ", 1)[1].strip()
    return None


@contextmanager
def served_stack(workdir: Path, context: dict[str, str], options: Sequence[str] = ()) -> Iterator[Served]:
    """`python -m local serve [options]` in a child process; stopped with SIGINT (as Ctrl-C would) on exit."""
    log, outputs_file = workdir / "serve.log", workdir / "outputs.json"
    outputs_file.unlink(missing_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "local", "serve", "--port", str(port), "--outputs", str(outputs_file),
               "--log", str(workdir / "endpoint.log"), *options]
    for key, value in context.items():
        command += ["-c", f"{key}={value}"]
    with log.open("w") as log_handle:
        # The endpoint's process gets the environment a user of `serve` has: threads that a Lambda
        # handler starts (the detect handler's workers) read the process environment, not the function's.
        environment = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": f"http://{HOST}:{port}"}
        child = subprocess.Popen(
            command, stdout=log_handle, stderr=subprocess.STDOUT, cwd=ROOT, env=environment
        )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while (url := _ready_url(log)) is None:
            if child.poll() is not None:
                raise DemoFailed(
                    f"`python -m local serve` exited with {child.returncode}:\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            if time.monotonic() > deadline:
                raise DemoFailed(f"the local stack was not ready after {SERVE_TIMEOUT} s; see {log}")
            time.sleep(0.3)
        yield Served(url, outputs_file, json.loads(outputs_file.read_text()))
    finally:
        _shut_down(child)


def _shut_down(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _cli(*arguments: str) -> None:
    """One `customlabels` command, in this process (the environment points it at the local stack)."""
    code = cli.main(list(arguments))
    if code != 0:
        raise DemoFailed(f"`customlabels {' '.join(arguments)}` exited with {code}")


def dropped_samples(count: int) -> list[Sample]:
    """Test-split images (never trained on), one digit after another."""
    picked: dict[str, Sample] = {}
    for sample in digit_samples(SAMPLE_COUNT):
        label = sample.line["digit-metadata"]["class-name"]
        if sample.split == "test" and label not in picked:
            picked[label] = sample
    return list(picked.values())[:count]


def _read_result(s3: Any, bucket: str, key: str) -> dict | None:
    for suffix in (".json", ".error.json"):
        try:
            return json.loads(s3.get_object(Bucket=bucket, Key=f"results/{key}{suffix}")["Body"].read())
        except s3.exceptions.NoSuchKey:
            continue
    return None


def label_uploads(s3: Any, bucket: str, samples: list[Sample], out: TextIO) -> int:
    """Upload each image to uploads/, then print each one's labels as its result arrives."""
    started = time.monotonic()
    pending = {f"demo/{sample.name}": sample for sample in samples}
    for key, sample in pending.items():
        s3.put_object(Bucket=bucket, Key=f"uploads/{key}", Body=sample.png, ContentType="image/png")
    print(f"  dropped {len(pending)} images into s3://{bucket}/uploads/demo/", file=out, flush=True)
    right = 0
    while pending:
        if time.monotonic() - started > RESULT_TIMEOUT:
            raise DemoFailed(f"no result after {RESULT_TIMEOUT} s for: {', '.join(sorted(pending))}")
        for key in sorted(pending):
            result = _read_result(s3, bucket, key)
            if result is None:
                continue
            truth = pending.pop(key).line["digit-metadata"]["class-name"]
            labels = ", ".join(
                f"{label['name']} ({label['confidence']:.1f}%)" for label in result.get("labels", [])
            )
            if result["status"] != "SUCCEEDED":
                labels = f"error {result['error']['code']}: {result['error']['reason']}"
            top = max(result.get("labels", []), key=lambda label: label["confidence"], default=None)
            right += bool(top and top["name"] == truth)
            print(
                f"  +{time.monotonic() - started:4.1f}s  {key:<24} true {truth}  ->  {labels or 'no label'}",
                file=out,
                flush=True,
            )
        time.sleep(0.2)
    return right


def run_demo(workdir: Path, out: TextIO = sys.stdout) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    clock = Stopwatch(out)
    clock.step("Serving the stack locally (cdk synth, then deploy onto the local endpoint)")
    with served_stack(workdir, {"f1Threshold": "0.5", "requireImprovement": "false"}) as served:
        project = cdk_json_project(ROOT)
        if not project:
            raise DemoFailed(f"{ROOT / 'cdk.json'} has no context customlabels.projectName")
        os.environ.update(
            {
                **CREDENTIALS,
                "AWS_ENDPOINT_URL": served.url,
                "CUSTOMLABELS_OUTPUTS": str(served.outputs_file),
                PROJECT_ENV: project,
            }
        )
        print(f"  endpoint {served.url}; stack outputs in {served.outputs_file}", file=out)
        session = boto3.Session()
        s3 = session.client("s3")

        clock.step("Generating the digits sample (scikit-learn's 8x8 digits as 64x64 PNG)")
        prefix = f"datasets/{project}/digits"
        manifests = write_samples(
            s3, digit_samples(SAMPLE_COUNT), served.outputs["ConsoleBucketName"], prefix
        )
        print(f"  {SAMPLE_COUNT} images; manifests {manifests['train']} and {manifests['test']}", file=out)

        clock.step("Training: the training state machine, state by state")
        _cli("train", "--training", manifests["train"], "--testing", manifests["test"], "--wait")

        clock.step("Evaluation of the new champion")
        _cli("report", "--html", str(workdir / "evaluation.html"))

        clock.step("Labelling images dropped into uploads/ (S3 -> SQS -> detect Lambda -> results/)")
        samples = dropped_samples(DROPPED_IMAGES)
        right = label_uploads(s3, served.outputs["InferenceBucketName"], samples, out)
        print(f"  {right} of {len(samples)} top labels match the true digit", file=out)

        clock.step("Stopping the model (it bills while it runs)")
        _cli("stop")
        print("\nShutting down the local endpoint ...", file=out, flush=True)
    print(
        f"Demo finished in {clock.elapsed:.0f} s. Evaluation report: {workdir / 'evaluation.html'}", file=out
    )
    return 0
