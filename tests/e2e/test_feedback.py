"""The model-feedback loop on the synthesized stack offline (issue 17): a weak first model, unlabelled
uploads, the review set, a CSV a "person" fills, the import, and the retraining that starts by itself,
is judged on the first model's frozen test set and is promoted.

One stack per module, synthesized with reviewBelowConfidence and retrainAfterImages set.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from customlabels.training.registry import CHAMPION, version_key
from customlabels_cli.main import main
from local import access, policy_update
from local.emulator.settings import ServiceSettings
from local.samples import digit_samples, write_samples
from local.stack import DeployedStack
from local.synth import LOCAL_PROFILE, load_stack, synthesize
from tests.e2e.harness import (
    act_as,
    person_with,
    role_policy,
    running_stack,
    the_one_end,
    topic_reader,
    until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT = "customlabels"
REVIEW_BELOW = 70
RETRAIN_AFTER = 40
FIRST_TRAINING, TEST_IMAGES, STREAMED = 30, 100, 200  # 3 per digit; 10 per digit; the uploads
TIMEOUT = 240


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[DeployedStack]:
    context = {**LOCAL_PROFILE, "reviewBelowConfidence": str(REVIEW_BELOW),
               "retrainAfterImages": str(RETRAIN_AFTER), "f1Threshold": "0.5"}
    artifact = load_stack(synthesize(tmp_path_factory.mktemp("feedback"), context))
    with running_stack(artifact, ServiceSettings(seed=7)) as running:
        yield running


@pytest.fixture
def customlabels(stack: DeployedStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`customlabels ...` as a user runs it against the offline stack; returns (exit code, output)."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack.outputs))
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint_url)
    monkeypatch.chdir(tmp_path)

    def run(capsys, *arguments: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main([*arguments, "--outputs", str(outputs)])
        captured = capsys.readouterr()
        return code, captured.out if code == 0 else captured.out + captured.err  # a failure says why

    return run


def finished(stack: DeployedStack, arn: str) -> dict[str, Any]:
    sfn = stack.client("stepfunctions")
    until(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", TIMEOUT, arn)
    return sfn.describe_execution(executionArn=arn)


def train_first_model(stack: DeployedStack, samples: list) -> dict[str, Any]:
    bucket = stack.outputs["ConsoleBucketName"]
    first = [replace(s, split="train") for s in samples[:FIRST_TRAINING]]
    frozen = [replace(s, split="test") for s in samples[FIRST_TRAINING:FIRST_TRAINING + TEST_IMAGES]]
    manifests = write_samples(stack.client("s3"), iter(first + frozen), bucket, f"datasets/{PROJECT}/first")
    arn = stack.client("stepfunctions").start_execution(
        stateMachineArn=stack.outputs["TrainingStateMachineArn"], name="first",
        input=json.dumps({"projectName": PROJECT, "trainingManifest": manifests["train"],
                          "testingManifest": manifests["test"], "f1Threshold": 0.1}),
    )["executionArn"]
    execution = finished(stack, arn)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    return {**json.loads(execution["output"]), "testingManifest": manifests["test"]}


def stream_uploads(stack: DeployedStack, samples: list) -> dict[str, str]:
    """Unlabelled digits into uploads/; returns the truth a person would know, by image URI."""
    s3, bucket = stack.client("s3"), stack.outputs["InferenceBucketName"]
    truth = {}
    for sample in samples:
        s3.put_object(Bucket=bucket, Key=f"uploads/{sample.name}", Body=sample.png)
        truth[f"s3://{bucket}/uploads/{sample.name}"] = sample.line["digit-metadata"]["class-name"]
    assert stack.sources.wait_until_drained(TIMEOUT), "the upload queue did not drain"
    return truth


def test_low_confidence_uploads_are_reviewed_imported_and_retrain_a_better_champion(
    stack: DeployedStack, customlabels, capsys
) -> None:
    samples = list(digit_samples(FIRST_TRAINING + TEST_IMAGES + STREAMED))
    first = train_first_model(stack, samples)
    truth = stream_uploads(stack, samples[FIRST_TRAINING + TEST_IMAGES:])

    code, out = customlabels(capsys, "feedback", "status", "--json")
    collected = json.loads(out)["open"]
    assert code == 0 and RETRAIN_AFTER + 2 <= collected < STREAMED, out

    code, out = customlabels(capsys, "feedback", "export", "--format", "csv", "--output", "review.csv")
    assert code == 0 and f"exported {collected} image(s)" in out, out
    rows = list(csv.reader(io.StringIO(Path("review.csv").read_text())))
    assert rows[0] == ["image", "predicted label", "confidence", "correct label"]
    # A person fills in the true digit, forgets one row and pastes one image that was never reviewed.
    filled = [rows[0]] + [[*row[:3], truth[row[0]]] for row in rows[1:]]
    filled[1][3] = ""
    filled.append([f"s3://{stack.outputs['InferenceBucketName']}/uploads/never-seen.png", "", "", "4"])
    with Path("answers.csv").open("w", newline="") as file:
        csv.writer(file).writerows(filled)

    ends = topic_reader(stack)
    code, out = customlabels(capsys, "feedback", "import", "answers.csv")
    assert code == 0, out
    assert f"not imported: row 2: empty correct label for {rows[1][0]}" in out
    assert f"not imported: row {len(filled)}: unknown image reference" in out
    assert f"imported {collected - 1} image(s)" in out and "new labels: none" in out
    assert "retraining on" in out, out  # the import record's S3 event started it, nobody else

    sfn = stack.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=stack.outputs["TrainingStateMachineArn"])["executions"]
    [retraining] = [e for e in executions if e["name"].startswith("feedback-")]
    execution = finished(stack, retraining["executionArn"])
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    second = json.loads(execution["output"])
    assert json.loads(execution["input"])["testingManifest"] == first["testingManifest"]  # frozen test set
    assert second["outcome"] == "PROMOTED" and second["champion"]["versionName"] == second["versionName"]
    assert second["f1Score"] > first["f1Score"]
    assert f"feedback added {collected - 1} corrected image(s)" in second["gateReason"]
    assert f"per-label F1 against {first['versionName']}" in second["gateReason"]
    succeeded = the_one_end(ends, retraining["executionArn"])
    assert succeeded["Subject"] == f"{PROJECT}: training succeeded"
    assert succeeded["Message"].startswith(f"The training run {retraining['name']} of {PROJECT} succeeded: ")
    assert f"feedback added {collected - 1} corrected image(s)" in succeeded["Message"]
    assert f"per-label F1 against {first['versionName']}" in succeeded["Message"]

    code, out = customlabels(capsys, "feedback", "status", "--json")
    now = json.loads(out)
    assert (now["open"], now["inReview"], now["imported"]) == (0, 1, collected - 1)
    assert now["imagesSinceLastTraining"] == 0 and now["lastTraining"]["executionArn"] == retraining[
        "executionArn"]


def answer_by_hand(
    stack: DeployedStack, customlabels, capsys, samples: list, name: str, *import_options: str
) -> tuple[int, str]:
    """Images outside uploads/ added by a person, exported, answered with the truth and imported."""
    s3, bucket = stack.client("s3"), stack.outputs["InferenceBucketName"]
    labels = {}
    for sample in samples:
        s3.put_object(Bucket=bucket, Key=f"{name}/{sample.name}", Body=sample.png)
        labels[f"s3://{bucket}/{name}/{sample.name}"] = sample.line["digit-metadata"]["class-name"]
    code, out = customlabels(capsys, "feedback", "add", *labels)
    assert code == 0 and out.count("added s3://") == len(samples), out
    code, out = customlabels(capsys, "feedback", "export", "--output", f"{name}.csv")
    assert code == 0 and f"exported {len(samples)} image(s)" in out, out
    rows = list(csv.reader(io.StringIO(Path(f"{name}.csv").read_text())))
    with Path(f"{name}-answers.csv").open("w", newline="") as file:
        csv.writer(file).writerows([rows[0]] + [[*row[:3], labels[row[0]]] for row in rows[1:]])
    return customlabels(capsys, "feedback", "import", f"{name}-answers.csv", *import_options)


@pytest.fixture
def reviewer(stack: DeployedStack, monkeypatch: pytest.MonkeyPatch):
    """The CLI runs as a person holding only the stack's ReviewerAccess policy."""
    person = person_with(stack, stack.outputs["ReviewerAccessPolicyArn"])
    act_as(monkeypatch, person)
    return person


def test_images_added_by_hand_go_into_the_train_dataset_with_update_dataset_entries(
    stack: DeployedStack, customlabels, capsys, reviewer
) -> None:
    """Runs after the loop above (a trained project with a TRAIN dataset), as a person holding only
    ReviewerAccess: the whole feedback CLI works with it, and nothing else does."""
    bucket = stack.outputs["InferenceBucketName"]
    extra = list(digit_samples(FIRST_TRAINING + TEST_IMAGES + STREAMED + 2))[-2:]
    # outside uploads/: no detection, only a person's wish to have them labelled
    code, out = answer_by_hand(stack, customlabels, capsys, extra, "by-hand", "--dataset")
    assert code == 0 and "TRAIN dataset updated with 2 line(s) in 1 request(s)" in out, out
    assert f"2 corrected image(s) since the last training; retraining starts at {RETRAIN_AFTER}" in out
    rekognition = stack.client("rekognition")
    [project] = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    [train] = [d["DatasetArn"] for d in project["Datasets"] if d["DatasetType"] == "TRAIN"]
    for sample in extra:
        entries = rekognition.list_dataset_entries(
            DatasetArn=train, SourceRefContains=f"feedback/images/{bucket}/by-hand/{sample.name}"
        )["DatasetEntries"]
        [entry] = [json.loads(text) for text in entries]
        assert entry["digit-metadata"]["class-name"] == sample.line["digit-metadata"]["class-name"]
    code, out = customlabels(capsys, "feedback", "status")
    assert code == 0, out
    with pytest.raises(ClientError) as refused:
        reviewer.client("stepfunctions", endpoint_url=stack.endpoint_url).start_execution(
            stateMachineArn=stack.outputs["TrainingStateMachineArn"], input="{}"
        )
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    registry_writes_are_denied(stack, reviewer)


def registry_writes_are_denied(stack: DeployedStack, reviewer) -> None:
    """A reviewer reads the registry but cannot repoint the champion or pass or approve a version."""
    registry = stack.outputs["RegistryTableName"]
    table = reviewer.resource("dynamodb", endpoint_url=stack.endpoint_url).Table(registry)
    champion = table.get_item(Key={"project": PROJECT, "sk": CHAMPION})["Item"]
    version = {"project": PROJECT, "sk": version_key(champion["versionName"])}
    writes = {
        "repoint the champion": lambda: table.put_item(Item={**champion, "versionName": "forged"}),
        "pass the gate": lambda: table.update_item(
            Key=version, UpdateExpression="SET evaluation.passed = :yes",
            ExpressionAttributeValues={":yes": True},
        ),
        "approve": lambda: table.update_item(
            Key=version, UpdateExpression="SET approval = :a",
            ExpressionAttributeValues={":a": {"status": "APPROVED"}},
        ),
    }
    for what, write in writes.items():
        with pytest.raises(ClientError) as denied:
            write()
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException", what
    assert table.get_item(Key={"project": PROJECT, "sk": CHAMPION})["Item"] == champion


def retraining_executions(stack: DeployedStack) -> list[dict[str, Any]]:
    executions = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.outputs["TrainingStateMachineArn"]
    )["executions"]
    return [e for e in executions if e["name"].startswith("feedback-")]


def test_without_its_start_execution_grant_a_retraining_is_refused_and_its_images_wait(
    stack: DeployedStack, customlabels, capsys
) -> None:
    """Runs after the two above (2 corrected images wait): the trigger's one grant on the training
    machine is removed, as a stack update would; the import that reaches the threshold is refused by
    IAM, and the images are given back, not lost; with the grant back, the trigger starts the run."""
    until(  # the retraining the test above started ends first (slower on a loaded machine)
        lambda: all(e["status"] != "RUNNING" for e in retraining_executions(stack)),
        600,
        "the earlier retraining to end",
    )
    before = len(retraining_executions(stack))
    used = FIRST_TRAINING + TEST_IMAGES + STREAMED + 2
    extra = list(digit_samples(used + RETRAIN_AFTER - 2))[used:]
    policy = role_policy("start_retraining")(stack.artifact.template)
    since = len(access.recent_denials())
    with policy_update.without_grant(stack.deployment, policy, "states:StartExecution"):
        code, out = answer_by_hand(stack, customlabels, capsys, extra, "refused")
        assert code == 0 and f"imported {RETRAIN_AFTER - 2} image(s)" in out, out
        until(
            lambda: any(d.action == "states:StartExecution" for d in access.recent_denials()[since:]),
            30,
            "the trigger's StartExecution denied",
        )
    assert len(retraining_executions(stack)) == before
    code, out = customlabels(capsys, "feedback", "status", "--json")
    assert json.loads(out)["imagesSinceLastTraining"] == RETRAIN_AFTER, out  # given back

    trigger = next(
        f["FunctionName"]
        for f in stack.client("lambda").list_functions()["Functions"]
        if f["Handler"] == "handlers.start_retraining.handler"
    )
    retried = stack.client("lambda").invoke(FunctionName=trigger, Payload=json.dumps({"Records": []}))
    decision = json.loads(retried["Payload"].read())
    assert "FunctionError" not in retried and decision["started"], decision
    assert [e["executionArn"] for e in retraining_executions(stack)].count(decision["executionArn"]) == 1
    assert len(retraining_executions(stack)) == before + 1
    retraining = finished(stack, decision["executionArn"])
    assert retraining["status"] == "SUCCEEDED", retraining.get("cause")
