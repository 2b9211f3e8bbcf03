"""`make demo` / `python -m local demo`: the whole pipeline offline, in a few minutes, from nothing.

Serves the app's stack locally (`python -m local serve` in a child process), then drives it the way a
user would, through the `customlabels` CLI and plain S3 uploads: generate the noisy-digits sample
(F1 about 0.9, so the evaluation has errors to look at), train (progress state by state), print the
evaluation (also as HTML), drop clean digit images into uploads/ and print
their labels as they arrive, stop the model, and shut the endpoint down (with `--console`, first serve
the console on the stack until Ctrl-C). Two samples are trained too, not deployed: shapes (object
detection, so its evaluation shows boxes) and noisy-digits again with a minLabelF1 of 0.8, which the
gate refuses (labels that overlap), so a gate decision that means something is shown.
"""

from __future__ import annotations

import contextlib
import io
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
from customlabels_cli.commands.console import console_server, console_url
from customlabels_cli.support.stack import PROJECT_ENV, Stack, cdk_json_project
from local.ports import HOST, free_port
from local.samples import Sample, digit_samples, noisy_digit_samples, shape_samples, write_samples

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_COUNT = 300
SHAPES_COUNT = 60  # object detection: boxes to look at in the console and the HTML report
SHAPES_VERSION = "shapes-v1"
NOISY_VERSION = "noisy-v1"
NOISY_MIN_LABEL_F1 = 0.8
SIDE_TRAINING_TIMEOUT = 120
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
    command = [
        sys.executable,
        "-m",
        "local",
        "serve",
        "--port",
        str(port),
        "--outputs",
        str(outputs_file),
        "--log",
        str(workdir / "endpoint.log"),
        *options,
    ]
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


@dataclass(frozen=True)
class SideTraining:
    """A sample trained without deploying while the demo goes on."""

    version: str
    title: str
    samples: Iterator[Sample]
    folder: str
    settings: tuple[str, ...] = ()


def side_trainings() -> list[SideTraining]:
    return [
        SideTraining(
            SHAPES_VERSION,
            "the shapes sample (object detection): boxes to look at",
            shape_samples(SHAPES_COUNT),
            "shapes",
        ),
        SideTraining(
            NOISY_VERSION,
            f"the noisy-digits sample with minLabelF1 {NOISY_MIN_LABEL_F1}: a gate that refuses",
            noisy_digit_samples(),
            "noisy-digits",
            ("--min-label-f1", str(NOISY_MIN_LABEL_F1)),
        ),
    ]


def start_side_training(s3: Any, served: Served, project: str, side: SideTraining, out: TextIO) -> str:
    """Upload the sample and start its training (not deployed); returns the execution ARN."""
    manifests = write_samples(
        s3, side.samples, served.outputs["ConsoleBucketName"], f"datasets/{project}/{side.folder}"
    )
    print(f"  Also training {side.version} on {side.title} (not deployed)", file=out, flush=True)
    name = f"demo-{side.version}-{int(time.time())}"
    with contextlib.redirect_stdout(io.StringIO()):
        _cli(
            "train",
            "--training",
            manifests["train"],
            "--testing",
            manifests["test"],
            "--version",
            side.version,
            "--no-deploy",
            "--name",
            name,
            *side.settings,
        )
    return served.outputs["TrainingStateMachineArn"].replace(":stateMachine:", ":execution:") + f":{name}"


def finish_side_training(sfn: Any, arn: str, side: SideTraining, workdir: Path, out: TextIO) -> None:
    """Wait for it; print the gate's decision and write its evaluation page."""
    deadline = time.monotonic() + SIDE_TRAINING_TIMEOUT
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise DemoFailed(f"training {side.version} still runs after {SIDE_TRAINING_TIMEOUT} s")
        time.sleep(0.5)
    if execution["status"] == "SUCCEEDED":
        decision = json.loads(execution["output"])["gateReason"]
        print(f"  {side.version}: gate passed ({decision})", file=out)
    elif execution.get("error") == "GateFailed":
        print(f"  {side.version}: GateFailed, {execution.get('cause')}", file=out)
    else:
        raise DemoFailed(f"training {side.version} {execution['status']}: {execution.get('cause')}")
    report = workdir / f"{side.folder}-evaluation.html"
    with contextlib.redirect_stdout(io.StringIO()):
        _cli("report", side.version, "--html", str(report))
    print(f"    its evaluation: {report}", file=out, flush=True)


def serve_console(served: Served, project: str, out: TextIO) -> None:
    """`customlabels console` on the demo's stack until Ctrl-C."""
    server = console_server(Stack(served.outputs, project))
    print(f"\nConsole: {console_url(server)}  (Ctrl-C stops it and the local endpoint)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def run_demo(workdir: Path, out: TextIO = sys.stdout, console: bool = False) -> int:
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

        clock.step("Generating the noisy-digits sample (8x8 digits as 64x64 PNG, with errors to look at)")
        prefix = f"datasets/{project}/digits"
        manifests = write_samples(
            s3, noisy_digit_samples(SAMPLE_COUNT), served.outputs["ConsoleBucketName"], prefix
        )
        print(f"  {SAMPLE_COUNT} images; manifests {manifests['train']} and {manifests['test']}", file=out)

        clock.step("Training: the training state machine, state by state")
        _cli("train", "--training", manifests["train"], "--testing", manifests["test"], "--wait")
        # One training at a time: each replaces the project's TRAIN/TEST datasets before it trains.
        shapes, noisy = side_trainings()
        shapes_arn = start_side_training(s3, served, project, shapes, out)

        clock.step("Evaluation of the new champion")
        _cli("report", "--html", str(workdir / "evaluation.html"))

        clock.step("Labelling images dropped into uploads/ (S3 -> SQS -> detect Lambda -> results/)")
        samples = dropped_samples(DROPPED_IMAGES)
        right = label_uploads(s3, served.outputs["InferenceBucketName"], samples, out)
        print(f"  {right} of {len(samples)} top labels match the true digit", file=out)
        print("\n  The side trainings, judged by the same gate:", file=out)
        sfn = session.client("stepfunctions")
        finish_side_training(sfn, shapes_arn, shapes, workdir, out)
        finish_side_training(sfn, start_side_training(s3, served, project, noisy, out), noisy, workdir, out)

        clock.step("Stopping the model (it bills while it runs)")
        _cli("stop")
        if console:
            serve_console(served, project, out)
        print("\nShutting down the local endpoint ...", file=out, flush=True)
    print(
        f"Demo finished in {clock.elapsed:.0f} s. Evaluation report: {workdir / 'evaluation.html'}", file=out
    )
    return 0
