"""``python -m local deploy -c projectName=NAME``: another project's pipeline added to the endpoint a
running ``python -m local serve`` started, beside the stacks already on it.

The stacks are synthesized with the CDK CLI (the offline profile plus the ``-c`` overrides), deployed
through ``AWS_ENDPOINT_URL`` into their accounts, and their SQS event sources are left to the ``serve``
process, which takes over mappings created after it started (``EventSources.follow``); this command
waits until it has, so an upload made after it returns is polled as Lambda polls it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local.deploy import DeployError, Deployment, deploy_artifact
from local.event_sources import FOLLOW_SECONDS
from local.intrinsics import TemplateError
from local.serve import report
from local.stack import artifact_session, local_session
from local.synth import SynthError, load_stacks, local_context, synthesize_with_cli

MAPPING_TYPE = "AWS::Lambda::EventSourceMapping"
TAKE_OVER_SECONDS = 10 * FOLLOW_SECONDS
NO_ENDPOINT_FIX = (
    "fix: start `python -m local serve --env-file FILE` and source FILE in this shell (it sets "
    "AWS_ENDPOINT_URL and the test credentials), then run this again"
)


class AddProjectError(RuntimeError):
    """The endpoint is missing or unreachable, or serve did not take the new stack's queues over."""


def endpoint_url() -> str:
    url = os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        raise AddProjectError(f"AWS_ENDPOINT_URL is not set: no endpoint to deploy to\n{NO_ENDPOINT_FIX}")
    try:
        local_session().client("sts", endpoint_url=url).get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        raise AddProjectError(f"the endpoint {url} does not answer ({error})\n{NO_ENDPOINT_FIX}") from None
    return url


def add_project(context: Mapping[str, str], outputs_file: Path | None) -> int:
    try:
        url = endpoint_url()
        deployments = _deploy(url, context)
        for deployment in deployments:
            _wait_for_serve(deployment)
    except (AddProjectError, DeployError, TemplateError, SynthError) as error:
        print(f"deploy failed: {error}", file=sys.stderr, flush=True)
        return 1
    merged = {name: value for deployment in deployments for name, value in deployment.outputs.items()}
    outputs = json.dumps(merged, indent=2)
    print(outputs)
    if outputs_file is not None:
        outputs_file.write_text(outputs + "\n")
        print(f"stack outputs written to {outputs_file.absolute()}", file=sys.stderr, flush=True)
    return 0


def _deploy(url: str, context: Mapping[str, str]) -> list[Deployment]:
    with tempfile.TemporaryDirectory(prefix="cdk-out-") as workdir:
        print("synthesizing the app with the CDK CLI (about a minute)", file=sys.stderr, flush=True)
        artifacts = load_stacks(synthesize_with_cli(Path(workdir), local_context(context)))
        deployments = []
        for artifact in artifacts:
            deployment = deploy_artifact(artifact, artifact_session(artifact, url), url)
            print(report(deployment), file=sys.stderr, flush=True)
            deployments.append(deployment)
        return deployments


def _wait_for_serve(deployment: Deployment) -> None:
    """serve disables a mapping when it takes it over: wait for each of the stack's to be."""
    lambda_ = deployment.clients("lambda")
    waiting = {resource.ref for resource in deployment.of_type(MAPPING_TYPE)}
    deadline = time.monotonic() + TAKE_OVER_SECONDS
    while waiting and time.monotonic() < deadline:
        waiting = {uuid for uuid in waiting if _state(lambda_, uuid) in ("Enabled", "Enabling")}
        time.sleep(FOLLOW_SECONDS / 4)
    if waiting:
        raise AddProjectError(
            f"{deployment.stack_name} is deployed, but no `python -m local serve` took over its queue "
            f"and stream pollers within {TAKE_OVER_SECONDS:g} s, so its uploads are not analysed as in AWS: "
            "point AWS_ENDPOINT_URL at a running serve's endpoint (source its --env-file)"
        )


def _state(lambda_: Any, uuid: str) -> str:
    return lambda_.get_event_source_mapping(UUID=uuid)["State"]
