"""``python -m local serve``: the endpoint with the app's synthesized stack deployed on it, until stopped."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TextIO

from local.alarm_evaluation import AlarmEvaluator
from local.deploy import DeployError, Deployment
from local.emulator.settings import ServiceSettings
from local.endpoint import LocalEndpoint, announce_ready
from local.intrinsics import TemplateError
from local.ports import check_port_free
from local.serve_output import ExecutionWatcher, output_to_log
from local.shell_env import production_exports
from local.stack import DeployedStack, launch
from local.synth import (
    SynthError,
    load_stacks,
    load_template,
    local_context,
    synthesize_with_cli,
)

ALARM_EVALUATION_SECONDS = 10.0  # CloudWatch evaluates each minute; offline, polls are seconds apart


def parse_context(pairs: list[str]) -> dict[str, str]:
    """``-c key=value`` pairs as the CDK CLI takes them."""
    context = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"context {pair!r} is not key=value (e.g. -c trainingPollSeconds=1)")
        context[key] = value
    return context


def report(deployment: Deployment) -> str:
    lines = [f"deployed {deployment.stack_name}: {len(deployment.resources)} resources created"]
    lines += [f"  not created: {lid} ({reason})" for lid, reason in sorted(deployment.not_created.items())]
    lines += [f"  ignored: {note}" for note in deployment.ignored_properties]
    lines += [f"  scheduled (fire_rule fires it): {r.logical_id}" for r in deployment.scheduled()]
    return "\n".join(lines)


def summary(deployment: Deployment) -> str:
    """The one deploy line for the terminal (the details are in the log: ``report``)."""
    return (
        f"deployed {deployment.stack_name}: {len(deployment.resources)} resources, "
        f"{len(deployment.not_created)} not created locally, "
        f"{len(deployment.ignored_properties)} properties ignored (details in the log)"
    )


def serve(
    port: int,
    outputs_file: Path | None,
    settings: ServiceSettings,
    context: Mapping[str, str],
    *,
    template: Path | None = None,
    authorize: bool = True,
    env_file: Path | None = None,
    log_file: Path | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM; 1 when the stack does not deploy (the reason on stderr).

    PortInUse at once when the port is taken. The terminal gets a line per phase and per finished
    execution; everything else goes to ``log_file`` (default: a new file in the temp folder).
    """
    check_port_free(port)
    errors = sys.stderr
    finished = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        finished.set()

    log_path = (log_file or Path(tempfile.mkstemp(prefix="customlabels-serve-", suffix=".log")[1])).absolute()
    print(f"log: {log_path}", flush=True)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    endpoint = LocalEndpoint(port, settings, authorize=authorize)
    alarms = AlarmEvaluator(ALARM_EVALUATION_SECONDS)
    try:
        with output_to_log(log_path) as terminal:
            endpoint.start()
            alarms.start()
            print(f"endpoint listening on {endpoint.url}", file=terminal, flush=True)
            try:
                stacks = _deploy(endpoint.url, context, template, terminal)
            except (DeployError, TemplateError, SynthError) as error:
                print(f"deploy failed: {error}", file=errors, flush=True)
                return 1
            for stack in stacks:
                print(report(stack.deployment))
                print(summary(stack.deployment), file=terminal, flush=True)
            # Output names are unique across the app's stacks: one object holds them all.
            merged = {name: value for stack in stacks for name, value in stack.outputs.items()}
            outputs = json.dumps(merged, indent=2)
            print(outputs)
            if outputs_file is not None:
                outputs_file.write_text(outputs + "\n")
                print(f"stack outputs written to {outputs_file.absolute()}", file=terminal, flush=True)
            training = stacks[0]
            training.sources.follow()  # `python -m local deploy` adds projects' pipelines later
            watcher = ExecutionWatcher(training.client("stepfunctions"), training.outputs, terminal).start()
            with contextlib.redirect_stdout(terminal):
                announce_ready(endpoint.url, env_file, production_exports(merged))
            finished.wait()
            watcher.stop()
            for stack in stacks:
                stack.close()
    finally:
        alarms.stop()
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _deploy(
    endpoint_url: str, context: Mapping[str, str], template: Path | None, terminal: TextIO
) -> list[DeployedStack]:
    """Every stack of the app, each into its account (the training stack first)."""
    if template is not None:
        print(f"deploying {template}", file=terminal, flush=True)
        return [launch(load_template(template), endpoint_url)]
    with tempfile.TemporaryDirectory(prefix="cdk-out-") as workdir:
        print("synthesizing the app with the CDK CLI (about a minute)", file=terminal, flush=True)
        artifacts = load_stacks(synthesize_with_cli(Path(workdir), local_context(context)))
        stacks = []
        for artifact in artifacts:
            resources = len(artifact.template.get("Resources", {}))
            what = f"{artifact.name}: " if len(artifacts) > 1 else ""
            where = f" into account {artifact.account}" if artifact.account else ""
            print(f"deploying {what}{resources} resources{where}", file=terminal, flush=True)
            stacks.append(launch(artifact, endpoint_url))
        return stacks
