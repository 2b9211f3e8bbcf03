"""``python -m local serve``: the endpoint with the app's synthesized stack deployed on it, until stopped."""

from __future__ import annotations

import json
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from local.alarm_evaluation import AlarmEvaluator
from local.deploy import DeployError, Deployment
from local.emulator.settings import ServiceSettings
from local.endpoint import LocalEndpoint
from local.intrinsics import TemplateError
from local.stack import LocalStack, launch
from local.synth import LOCAL_PROFILE, SynthError, load_stack, load_template, synthesize_with_cli

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


def deploy_app(endpoint_url: str, context: Mapping[str, str], workdir: Path) -> LocalStack:
    """Synthesize with the CDK CLI (local profile + ``context``) and launch it on ``endpoint_url``."""
    return launch(load_stack(synthesize_with_cli(workdir, {**LOCAL_PROFILE, **context})), endpoint_url)


def report(deployment: Deployment) -> str:
    lines = [f"deployed {deployment.stack_name}: {len(deployment.resources)} resources created"]
    lines += [f"  not created: {lid} ({reason})" for lid, reason in sorted(deployment.not_created.items())]
    lines += [f"  ignored: {note}" for note in deployment.ignored_properties]
    lines += [f"  scheduled (fire_rule fires it): {r.logical_id}" for r in deployment.scheduled()]
    return "\n".join(lines)


def serve(
    port: int,
    outputs_file: Path | None,
    settings: ServiceSettings,
    context: Mapping[str, str],
    *,
    template: Path | None = None,
    authorize: bool = True,
) -> int:
    """Serve until SIGINT/SIGTERM; 1 when the stack does not deploy (the reason on stderr)."""
    finished = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        finished.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    endpoint = LocalEndpoint(port, settings, authorize=authorize)
    endpoint.start()
    alarms = AlarmEvaluator(ALARM_EVALUATION_SECONDS).start()
    try:
        try:
            if template is not None:
                stack = launch(load_template(template), endpoint.url)
            else:
                with tempfile.TemporaryDirectory(prefix="cdk-out-") as workdir:
                    stack = deploy_app(endpoint.url, context, Path(workdir))
        except (DeployError, TemplateError, SynthError) as error:
            print(f"deploy failed: {error}", file=sys.stderr, flush=True)
            return 1
        print(report(stack.deployment), flush=True)
        outputs = json.dumps(stack.outputs, indent=2)
        if outputs_file is not None:
            outputs_file.write_text(outputs + "\n")
        print(outputs, flush=True)
        print(f"ready {endpoint.url}", flush=True)
        finished.wait()
        stack.close()
    finally:
        alarms.stop()
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
