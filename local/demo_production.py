"""`python -m local demo --two-accounts`: train in the training account with approval required, approve,
promote into the production account by copy, and label uploads there (the CLI and state machines only)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

import boto3

from customlabels.training.registry import Registry
from customlabels_cli.support.stack import PROJECT_ENV, cdk_json_project
from local.accounts import role_arn
from local.demo import (
    CREDENTIALS,
    DROPPED_IMAGES,
    ROOT,
    SAMPLE_COUNT,
    DemoFailed,
    Stopwatch,
    _cli,
    dropped_samples,
    label_uploads,
    served_stack,
)
from local.samples import digit_samples, write_samples
from local.stack import account_session

PRODUCTION = "222222222222"
VERSION = "demo-v1"
APPROVAL_TIMEOUT = 300
STEPS = 5


def run_two_account_demo(workdir: Path, out: TextIO = sys.stdout) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    clock = Stopwatch(out)
    clock.step(
        f"Serving both stacks: training in the default account, production in {PRODUCTION}", total=STEPS
    )
    context = {
        "productionAccount": PRODUCTION,
        "f1Threshold": "0.5",
        "requireImprovement": "false",
        "deploy": "false",
    }
    with served_stack(workdir, context, ("--accounts", PRODUCTION)) as served:
        project = cdk_json_project(ROOT)
        if not project:
            raise DemoFailed(f"{ROOT / 'cdk.json'} has no context customlabels.projectName")
        os.environ.update(
            {
                **CREDENTIALS,
                "AWS_ENDPOINT_URL": served.url,
                "CUSTOMLABELS_OUTPUTS": str(served.outputs_file),
                "CUSTOMLABELS_PRODUCTION_ROLE": role_arn(PRODUCTION),
                PROJECT_ENV: project,
            }
        )
        outputs = served.outputs
        training = boto3.Session()
        manifests = write_samples(
            training.client("s3"),
            digit_samples(SAMPLE_COUNT),
            outputs["ConsoleBucketName"],
            f"datasets/{project}/digits",
        )

        clock.step("Training with requireApproval: the run waits for a person after the F1 gate", total=STEPS)
        _cli(
            "train", "--training", manifests["train"], "--testing", manifests["test"], "--version", VERSION,
            "--require-approval",
        )  # fmt: skip
        registry = Registry(outputs["RegistryTableName"], training.resource("dynamodb"))
        deadline = time.monotonic() + APPROVAL_TIMEOUT
        while ((registry.get_version(project, VERSION) or {}).get("approval") or {}).get(
            "status"
        ) != "PENDING":
            if time.monotonic() > deadline:
                raise DemoFailed(f"{VERSION} did not reach the approval gate in {APPROVAL_TIMEOUT} s")
            time.sleep(1)
        item = registry.get_version(project, VERSION)
        print(
            f"  {VERSION}: F1 {item['f1Score']:.3f}, gate {item['gate']['reason']}; waiting for approval",
            file=out,
        )

        clock.step("Approving (customlabels approve): who, when and why go into the registry", total=STEPS)
        _cli("approve", VERSION, "--reason", "demo: F1 above the threshold")
        run = registry.get_version(project, VERSION)["approval"]["executionArn"]
        while training.client("stepfunctions").describe_execution(executionArn=run)["status"] == "RUNNING":
            if time.monotonic() > deadline:  # the run tags the approved version (MarkGated), then ends
                raise DemoFailed(f"the approved run of {VERSION} did not end in {APPROVAL_TIMEOUT} s")
            time.sleep(1)

        clock.step("Promoting into the production account (copy, start, production champion)", total=STEPS)
        _cli("promote", "--to", "production", VERSION)
        production = account_session(PRODUCTION, served.url)
        lineage = Registry(
            outputs["ProductionRegistryTableName"], production.resource("dynamodb")
        ).get_version(project, VERSION)
        print(
            f"  lineage: {lineage['source']['versionArn']}, approved by {lineage['approval']['by']}", file=out
        )

        clock.step("Labelling images dropped into the production inference bucket", total=STEPS)
        samples = dropped_samples(DROPPED_IMAGES)
        right = label_uploads(production.client("s3"), outputs["ProductionInferenceBucketName"], samples, out)
        print(f"  {right} of {len(samples)} top labels match the true digit", file=out)
        print("\nShutting down the local endpoint (and with it every model) ...", file=out, flush=True)
    print(f"Two-account demo finished in {clock.elapsed:.0f} s.", file=out)
    return 0
