"""Every `customlabels` command against the offline stack, as a user runs them: `python -m local serve`
in its own process, AWS_ENDPOINT_URL pointing at it, and the `aws` CLI for the documented
StartExecution input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from customlabels_cli.main import main
from local.demo import CREDENTIALS, Served, served_stack
from local.samples import digit_samples

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT = "customlabels"
AWS_CLI = Path(sys.executable).parent / "aws"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    with (
        pytest.MonkeyPatch.context() as env,
        served_stack(
            tmp_path_factory.mktemp("serve"), {"f1Threshold": "0.5", "requireImprovement": "false"}
        ) as stack,
    ):
        for name, value in {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": stack.url,
            "CUSTOMLABELS_OUTPUTS": str(stack.outputs_file),
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        yield stack


def cli(capsys, *arguments: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def folder_manifests(served: Served) -> dict[str, str]:
    """The digits sample laid out as label folders in the console bucket (train/<digit>/, test/<digit>/)."""
    s3, bucket = boto3.client("s3"), served.outputs["ConsoleBucketName"]
    for sample in digit_samples(200):
        label = sample.line["digit-metadata"]["class-name"]
        s3.put_object(
            Bucket=bucket,
            Key=f"datasets/{PROJECT}/folders/{sample.split}/{label}/{sample.name}",
            Body=sample.png,
        )
    return {split: f"s3://{bucket}/datasets/{PROJECT}/{split}.manifest" for split in ("train", "test")}


def test_convert_then_train_with_wait_shows_each_state_and_makes_the_champion(
    served, folder_manifests, capsys
):
    bucket = served.outputs["ConsoleBucketName"]
    for split, manifest in folder_manifests.items():
        code, out = cli(
            capsys, "convert", "folders", f"s3://{bucket}/datasets/{PROJECT}/folders/{split}/", "-o", manifest
        )
        assert code == 0, out
        assert "10 labels" in out and "training can proceed" in out
    code, out = cli(
        capsys,
        "train",
        "--training",
        folder_manifests["train"],
        "--testing",
        folder_manifests["test"],
        "--version",
        "cli-v1",
        "--wait",
    )
    assert code == 0, out
    for state in ("ValidateManifests", "WaitForTraining/CheckTraining", "Evaluate", "Promote"):
        assert re.search(rf"ok\s+{state}.*\d+\.\ds", out), f"{state} missing in:\n{out}"
    assert "SUCCEEDED after" in out and "cli-v1 is RUNNING and is the champion" in out

    code, out = cli(capsys, "status")
    assert code == 0 and re.search(r"\*\s+cli-v1\s+RUNNING\s+\d\.\d{3}\s+passed", out), out
    assert "Training running: none" in out

    html = Path(served.outputs_file).parent / "report.html"
    code, out = cli(capsys, "report", "--html", str(html))
    assert code == 0, out
    assert out.startswith("cli-v1: F1 ") and "Confusion matrix" in out
    page = html.read_text()
    # two matrices of the 10 digits: at the assumed thresholds with a "no label" column, and by top label
    assert page.count("<rect") == 10 * 11 + 10 * 10 and "Evaluation of cli-v1" in page


def wait_for(arn: str, timeout: float = 180) -> dict:
    sfn = boto3.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still running"
        time.sleep(0.3)
    return execution


def status(capsys) -> dict:
    code, out = cli(capsys, "status", "--json")
    assert code == 0, out
    return json.loads(out)


def statuses_become(capsys, expected: dict[str, str], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        seen = {v["versionName"]: v["status"] for v in status(capsys)["versions"]}
        if seen == expected or time.monotonic() > deadline:
            assert seen == expected
            return True
        time.sleep(0.5)


def test_model_control_the_aws_cli_and_teardown(served, folder_manifests, capsys):
    if status(capsys)["champion"] is None:
        test_convert_then_train_with_wait_shows_each_state_and_makes_the_champion(
            served, folder_manifests, capsys
        )
    code, out = cli(capsys, "stop")
    assert code == 0 and "stop cli-v1: the model is STOPPED" in out, out
    assert "starts the champion again on the next upload" in out and "stop --hold" in out
    assert {v["versionName"]: v["status"] for v in status(capsys)["versions"]}["cli-v1"] == "STOPPED"

    # Held: an upload does not start it again (onModelStopped=start) until `customlabels start`.
    code, out = cli(capsys, "stop", "--hold")
    assert code == 0 and "next upload" not in out, out
    sample = next(iter(digit_samples(1)))
    boto3.client("s3").put_object(
        Bucket=served.outputs["InferenceBucketName"], Key="uploads/held.png", Body=sample.png
    )
    time.sleep(5)
    assert {v["versionName"]: v["status"] for v in status(capsys)["versions"]}["cli-v1"] == "STOPPED"
    code, out = cli(capsys, "start", "cli-v1")
    assert code == 0 and "the model is RUNNING" in out, out

    # Acceptance: the documented input through the aws CLI, then `customlabels status` shows the champion.
    documented = {
        "projectName": PROJECT,
        "trainingManifest": folder_manifests["train"],
        "testingManifest": folder_manifests["test"],
        "versionName": "cli-v2",
    }
    started = subprocess.run(
        [
            str(AWS_CLI),
            "--endpoint-url",
            served.url,
            "stepfunctions",
            "start-execution",
            "--state-machine-arn",
            served.outputs["TrainingStateMachineArn"],
            "--input",
            json.dumps(documented),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    execution = wait_for(json.loads(started.stdout)["executionArn"])
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert status(capsys)["champion"] == "cli-v2"
    # The pipeline asks the previous champion to stop and does not wait for STOPPED (minutes in AWS).
    assert statuses_become(capsys, {"cli-v1": "STOPPED", "cli-v2": "RUNNING"})

    code, out = cli(capsys, "promote", "cli-v1")
    assert code == 0, out
    assert status(capsys)["champion"] == "cli-v1"
    assert statuses_become(capsys, {"cli-v1": "RUNNING", "cli-v2": "STOPPED"})

    code, out = cli(capsys, "teardown", "--yes", "--poll-seconds", "0.2")
    assert code == 0, out
    assert "stopping cli-v1" in out and "deleting model cli-v2" in out and "deleting dataset" in out
    rekognition = boto3.client("rekognition")
    deadline = time.monotonic() + 30
    while rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]:
        assert time.monotonic() < deadline, "the project was not deleted"
        time.sleep(0.2)
    assert {v["status"] for v in status(capsys)["versions"]} == {"DELETED"}
    code, out = cli(capsys, "teardown", "--yes")
    assert code == 0 and "nothing to delete" in out


def test_a_failing_training_exits_1_with_the_cause(served, capsys):
    bucket = served.outputs["ConsoleBucketName"]
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key=f"datasets/{PROJECT}/broken.manifest", Body=b"{not json\n{nor this\n")
    code, out = cli(
        capsys, "train", "--training", f"s3://{bucket}/datasets/{PROJECT}/broken.manifest", "--wait"
    )
    assert code == 1, out
    assert re.search(r"FAIL\s+ManifestInvalid", out) and "FAILED: ManifestInvalid" in out, out
    assert "[ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST]" in out
    assert re.search(r"training: ERROR_INVALID_JSON_LINE on 2 line\(s\) \(lines 1, 2\)\n  fix: ", out), out
    assert f"customlabels validate s3://{bucket}/datasets/{PROJECT}/broken.manifest" in out


def test_control_of_an_unknown_version_exits_1_saying_which(served, capsys):
    code, out = cli(capsys, "start", "no-such-version")
    assert code == 1 and "no-such-version" in out and "does not exist" in out


def mislabelled(manifest_uri: str, wrong: int = 5) -> str:
    """A copy of the manifest with `wrong` lines given another digit: no model can score F1 1.0 on it."""
    s3 = boto3.client("s3")
    bucket, key = manifest_uri.removeprefix("s3://").split("/", 1)
    lines = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines()]
    for line in lines[:wrong]:
        metadata = next(value for name, value in line.items() if name.endswith("-metadata"))
        metadata["class-name"] = str((int(metadata["class-name"]) + 1) % 10)
    noisy = key.replace(".manifest", "-mislabelled.manifest")
    s3.put_object(Bucket=bucket, Key=noisy, Body="\n".join(json.dumps(line) for line in lines).encode())
    return f"s3://{bucket}/{noisy}"


def test_promote_refuses_a_version_that_failed_the_gate_unless_forced(served, folder_manifests, capsys):
    code, out = cli(
        capsys,
        "train",
        "--training",
        folder_manifests["train"],
        "--testing",
        mislabelled(folder_manifests["test"]),
        "--version",
        "cli-gate",
        "--f1-threshold",
        "1.0",
        "--min-label-f1",
        "1.0",
        "--wait",
    )
    assert code == 1 and "FAILED: GateFailed" in out, out
    code, out = cli(capsys, "promote", "cli-gate")
    assert code == 1 and "did not pass the gate" in out and "--force" in out, out
    assert status(capsys)["champion"] != "cli-gate"

    code, out = cli(capsys, "promote", "cli-gate", "--force")
    assert code == 0, out
    assert status(capsys)["champion"] == "cli-gate"
    registry = boto3.resource("dynamodb").Table(served.outputs["RegistryTableName"])
    item = registry.get_item(Key={"project": PROJECT, "sk": "VERSION#cli-gate"})["Item"]
    assert item["forced"] is True and item["promotedAt"]
