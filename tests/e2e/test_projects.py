"""Two projects side by side offline (issue 32): alpha's stack runs on an endpoint (as `serve` runs it,
following SQS mappings created later) and `python -m local deploy -c projectName=beta` adds beta's
pipeline next to it. Each has its own stack, buckets, state machines and people's policies; the CLI
chooses a pipeline by project; an upload is labelled by its own project's model only; a person holding
one project's SdkAccess cannot reach the other's console bucket."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from customlabels.training.registry import Registry
from customlabels_cli.main import main
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.stack import Stack
from local import access
from local.samples import ensure_bucket, shape_samples, write_samples
from local.stack import DeployedStack
from local.synth import load_stack, local_context, synthesize
from tests.e2e.harness import act_as, person_with, running_stack, train_directly, until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
# Outputs that name a resource of the stack (the rest name settings).
RESOURCE_OUTPUTS = (
    "TrainingStateMachineArn", "ModelControlStateMachineArn", "BatchAnalysisStateMachineArn",
    "RegistryTableName", "ResultsTableName", "InferenceQueueUrl", "DeadLetterQueueUrl",
    "ConsoleBucketName", "InferenceBucketName", "KmsKeyArn", "NotificationsTopicArn",
    "IdleGuardFunctionName", "ApprovalUrl", "ConsoleAccessPolicyArn", "SdkAccessPolicyArn",
    "InferenceOnlyPolicyArn", "ReviewerAccessPolicyArn", "ApproverAccessPolicyArn", "OperatorAccessPolicyArn",
)  # fmt: skip


@dataclass
class TwoProjects:
    alpha: DeployedStack
    beta: dict[str, str]  # beta's outputs, as `python -m local deploy --outputs` wrote them
    deploy_output: str

    def client(self, service: str):
        return self.alpha.client(service)


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> Iterator[TwoProjects]:
    folder = tmp_path_factory.mktemp("projects")
    artifact = load_stack(synthesize(folder / "alpha", local_context({"projectName": "alpha"})))
    with running_stack(artifact) as alpha:
        assert access.enabled()
        alpha.sources.follow()  # what `serve` does
        outputs_file = folder / "beta.json"
        environment = {
            **os.environ,
            "AWS_ENDPOINT_URL": alpha.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": alpha.session.region_name,
        }
        command = [sys.executable, "-m", "local", "deploy", "-c", "projectName=beta"]
        command += ["--outputs", str(outputs_file)]
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        yield TwoProjects(alpha, json.loads(outputs_file.read_text()), done.stderr)


@pytest.fixture
def on_endpoint(projects: TwoProjects, monkeypatch) -> None:
    """The CLI, run in this process, talks to the endpoint (as after sourcing serve's env file)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", projects.alpha.endpoint_url)
    monkeypatch.delenv("CUSTOMLABELS_OUTPUTS", raising=False)
    monkeypatch.delenv("CUSTOMLABELS_PROJECT", raising=False)


def test_beta_gets_its_own_stack_buckets_machines_and_policies(projects: TwoProjects) -> None:
    alpha, beta = projects.alpha.outputs, projects.beta
    assert (alpha["ProjectName"], beta["ProjectName"]) == ("alpha", "beta")
    for name in RESOURCE_OUTPUTS:
        assert beta[name] != alpha[name], name
    stacks = {s["StackName"] for s in projects.client("cloudformation").describe_stacks()["Stacks"]}
    assert {"CustomLabels-alpha", "CustomLabels-beta"} <= stacks
    assert beta["ConsoleBucketName"] == "custom-labels-console-us-east-1-local-beta"
    listed = projects.client("stepfunctions").list_state_machines()["stateMachines"]
    machines = {machine["stateMachineArn"] for machine in listed}
    assert {alpha["TrainingStateMachineArn"], beta["TrainingStateMachineArn"]} <= machines
    assert "deployed CustomLabels-beta" in projects.deploy_output


def test_the_project_chooses_the_pipeline_and_projects_lists_both(projects, on_endpoint, capsys) -> None:
    assert main(["--project", "beta", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["project"] == "beta"
    assert main(["status"]) == 2
    assert "2 pipelines are deployed: alpha (stack CustomLabels-alpha), beta" in capsys.readouterr().err
    assert main(["projects", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(row["project"], row["stack"]) for row in listed] == [
        ("alpha", "CustomLabels-alpha"), ("beta", "CustomLabels-beta")
    ]


def _champion(projects: TwoProjects, outputs: dict[str, str]) -> str:
    """A model trained with the Custom Labels API in the project's console bucket, made its champion."""
    project, s3 = outputs["ProjectName"], projects.client("s3")
    bucket = outputs["ConsoleBucketName"]
    ensure_bucket(s3, bucket)
    manifests = write_samples(s3, shape_samples(40), bucket, f"datasets/{project}")
    output = f"s3://{bucket}/training-output/{project}/"
    version_arn = train_directly(projects.client("rekognition"), manifests, project, "v1", output)
    dynamodb = projects.alpha.session.resource("dynamodb", endpoint_url=projects.alpha.endpoint_url)
    Registry(outputs["RegistryTableName"], dynamodb).set_champion(project, "v1", version_arn, 0.9)
    return version_arn


def _labelled_by(projects: TwoProjects, outputs: dict[str, str], key: str, body: bytes) -> str:
    s3, bucket = projects.client("s3"), outputs["InferenceBucketName"]
    s3.put_object(Bucket=bucket, Key=f"uploads/{key}", Body=body)

    def answered() -> bool:
        return "Contents" in s3.list_objects_v2(Bucket=bucket, Prefix=f"results/{key}")

    until(answered, 240, f"the result of {key} in {bucket}")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"results/{key}")["Contents"]
    document = json.loads(s3.get_object(Bucket=bucket, Key=listed[0]["Key"])["Body"].read())
    assert document["status"] == "SUCCEEDED", document
    return document["modelVersionArn"]


def test_each_upload_is_labelled_by_its_own_projects_model(projects: TwoProjects) -> None:
    alpha_model = _champion(projects, projects.alpha.outputs)
    beta_model = _champion(projects, projects.beta)
    sample = next(iter(shape_samples(1, seed=3)))
    assert _labelled_by(projects, projects.beta, "beta-1.png", sample.png) == beta_model
    assert _labelled_by(projects, projects.alpha.outputs, "alpha-1.png", sample.png) == alpha_model
    assert "/alpha/" in alpha_model and "/beta/" in beta_model


def test_alphas_sdk_access_is_denied_betas_console_bucket(projects: TwoProjects) -> None:
    person = person_with(projects.alpha, projects.alpha.outputs["SdkAccessPolicyArn"])
    s3 = person.client("s3", endpoint_url=projects.alpha.endpoint_url)
    alpha_bucket = projects.alpha.outputs["ConsoleBucketName"]
    beta_bucket = projects.beta["ConsoleBucketName"]
    s3.list_objects_v2(Bucket=alpha_bucket, Prefix="datasets/")  # alpha's own: allowed
    s3.put_object(Bucket=alpha_bucket, Key="datasets/alpha/note.txt", Body=b"mine")
    for call in (
        lambda: s3.list_objects_v2(Bucket=beta_bucket, Prefix="datasets/"),
        lambda: s3.put_object(Bucket=beta_bucket, Key="datasets/beta/note.txt", Body=b"theirs"),
    ):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
    rekognition = person.client("rekognition", endpoint_url=projects.alpha.endpoint_url)
    with pytest.raises(ClientError) as denied:
        rekognition.describe_project_versions(ProjectArn=_project_arn(projects, "beta"))
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def _project_arn(projects: TwoProjects, name: str) -> str:
    rekognition = projects.client("rekognition")
    found = rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"]
    return found[0]["ProjectArn"] if found else rekognition.create_project(ProjectName=name)["ProjectArn"]


def test_a_person_who_may_read_only_their_stack_finds_it_by_project(projects, on_endpoint, monkeypatch):
    """People's policies allow DescribeStacks on their own stack only (not the listing, which is on *):
    alpha's operator finds alpha's pipeline by its project and is refused beta's stack."""
    act_as(monkeypatch, person_with(projects.alpha, projects.alpha.outputs["OperatorAccessPolicyArn"]))

    def find(project: str | None) -> Stack:
        return Stack.from_args(argparse.Namespace(outputs=None, stack=None, project=project))

    assert find("alpha").outputs == projects.alpha.outputs
    with pytest.raises(CliError, match="may not list the account's stacks"):
        find(None)
    with pytest.raises(ClientError, match="AccessDenied"):
        find("beta")
