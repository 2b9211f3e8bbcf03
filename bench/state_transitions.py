"""What a run costs in Step Functions state transitions (Standard workflows bill per transition): a
typical training run with 20 training polls, and a 1,000-image backfill.

A transition is counted for every state entered, as the execution history records it
(``*StateEntered`` events); the backfill adds its Map Run's child workflows, each a transition per
state its item processor enters. Source: AWS Step Functions pricing ("you are charged based on the
number of state transitions required to execute your application"; retries count as transitions too,
which these runs, without throttling, have none of).

Run it alone: ``python -m bench state_transitions``."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from local.emulator.settings import Delays, ServiceSettings
from local.samples import digit_samples, ensure_bucket, write_samples
from local.synth import LOCAL_PROFILE, load_stack, synthesize
from tests.e2e.harness import running_stack

PROJECT = "customlabels"
TRAINING_POLLS = 20
BACKFILL_IMAGES = 1_000


def run() -> None:
    # the training status stays IN_PROGRESS for TRAINING_POLLS poll intervals (1 s in the local profile)
    settings = ServiceSettings(seed=7, delays=Delays(training=(TRAINING_POLLS, TRAINING_POLLS)))
    with tempfile.TemporaryDirectory() as folder:
        artifact = load_stack(synthesize(Path(folder), LOCAL_PROFILE))
        with running_stack(artifact, settings) as stack:
            training, polls = _training_run(stack)
            backfill, children = _backfill_run(stack)
    print(f"training run ({polls} training polls): {training} state transitions")
    print(
        f"backfill of {BACKFILL_IMAGES} images: {backfill + children} state transitions "
        f"({backfill} in the execution, {children} in its Map Run's child workflows)"
    )


def _training_run(stack: Any) -> tuple[int, int]:
    s3 = stack.client("s3")
    bucket = stack.outputs["ConsoleBucketName"]
    ensure_bucket(s3, bucket)
    manifests = write_samples(s3, digit_samples(60), bucket, f"datasets/{PROJECT}/digits")
    payload = {
        "projectName": PROJECT,
        "trainingManifest": manifests["train"],
        "testingManifest": manifests["test"],
        "versionName": "bench-transitions",
        "f1Threshold": 0.3,
        "requireImprovement": False,
    }
    history = _finished_history(stack, "TrainingStateMachineArn", payload)
    entered = [event for event in history if event["type"].endswith("StateEntered")]
    polls = sum(1 for event in entered if event["stateEnteredEventDetails"]["name"] == "CheckTraining")
    return len(entered), polls


def _backfill_run(stack: Any) -> tuple[int, int]:
    """On the champion the training run promoted (and left running)."""
    s3, bucket = stack.client("s3"), stack.outputs["InferenceBucketName"]
    pngs = [sample.png for sample in digit_samples(20, seed=3)]
    for index in range(BACKFILL_IMAGES):
        s3.put_object(Bucket=bucket, Key=f"transitions/{index:04d}.png", Body=pngs[index % len(pngs)])
    payload = {"source": f"s3://{bucket}/transitions/", "stopWhenDone": False}
    history = _finished_history(stack, "BatchAnalysisStateMachineArn", payload)
    entered = sum(1 for event in history if event["type"].endswith("StateEntered"))
    definition = json.loads(
        stack.client("stepfunctions").describe_state_machine(
            stateMachineArn=stack.outputs["BatchAnalysisStateMachineArn"]
        )["definition"]
    )
    batches = -(-BACKFILL_IMAGES // _items_per_batch(definition))
    return entered, batches * _child_happy_path(definition)


def _finished_history(stack: Any, machine: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    sfn = stack.client("stepfunctions")
    started = sfn.start_execution(stateMachineArn=stack.outputs[machine], input=json.dumps(payload))
    arn = started["executionArn"]
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        time.sleep(0.5)
    if described["status"] != "SUCCEEDED":
        error, cause = described.get("error"), described.get("cause")
        raise RuntimeError(f"{machine} run did not succeed: {error}: {cause}")
    events: list[dict[str, Any]] = []
    for history in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
        events += history["events"]
    return events


def _distributed_map(definition: dict[str, Any]) -> dict[str, Any]:
    for state in definition["States"].values():
        if state.get("Type") == "Map" and "ItemReader" in state:
            return state
        for branch in state.get("Branches", []):
            if (found := _distributed_map(branch)) is not None:
                return found
    raise LookupError("no Distributed Map in the batch-analysis definition")


def _items_per_batch(definition: dict[str, Any]) -> int:
    return int(_distributed_map(definition).get("ItemBatcher", {}).get("MaxItemsPerBatch", 1))


def _child_happy_path(definition: dict[str, Any]) -> int:
    """States a child workflow enters when its batch succeeds: from StartAt, following Next and each
    Choice's Default (the children's choices default to the way on)."""
    processor = _distributed_map(definition)["ItemProcessor"]
    states, name, count = processor["States"], processor["StartAt"], 0
    while name is not None:
        count += 1
        state = states[name]
        name = None if state.get("End") else state.get("Next") or state.get("Default")
    return count
