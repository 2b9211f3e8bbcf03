"""The CLI's operator commands as a person holding only the stack's OperatorAccess policy (issue 27):
train, start/stop, promote, analyse, usage and teardown all work, with no denial on the way; what the
pipeline owns (the gate tags, the approval, the TEST dataset) stays out of the operator's reach."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from customlabels.promotion.gate import GATE_TAG, PASSED
from customlabels_cli.main import main
from local import access, policy_update
from local.samples import digit_samples, write_samples
from local.stack import DeployedStack
from local.synth import LOCAL_PROFILE, load_stack, synthesize
from tests.e2e.harness import person_with, role_policy, running_stack, until
from tests.unit.inference import images

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT, VERSION = "customlabels", "operated-1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[DeployedStack]:
    context = {**LOCAL_PROFILE, "f1Threshold": "0.5", "requireImprovement": "false", "deploy": "true"}
    artifact = load_stack(synthesize(tmp_path_factory.mktemp("operator"), context))
    with running_stack(artifact) as running:
        assert access.enabled()
        yield running


@pytest.fixture(scope="module")
def operator(stack: DeployedStack) -> boto3.Session:
    return person_with(stack, stack.outputs["OperatorAccessPolicyArn"])


@pytest.fixture
def customlabels(
    stack: DeployedStack, operator: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`customlabels ...` run with the operator's credentials only; returns (exit code, output)."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack.outputs))
    credentials = operator.get_credentials()
    for name, value in {
        "AWS_ENDPOINT_URL": stack.endpoint_url,
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(capsys, *arguments: str, stack_outputs: bool = True) -> tuple[int, str]:
        """`stack_outputs`: the command reads the stack (usage reads CloudWatch only)."""
        capsys.readouterr()
        code = main([*arguments, *(["--outputs", str(outputs)] if stack_outputs else [])])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def _denials_since(since: int) -> list[str]:
    return [denial.message() for denial in access.recent_denials()[since:]]


def _client(session: boto3.Session, stack: DeployedStack, service: str) -> Any:
    return session.client(service, endpoint_url=stack.endpoint_url)


def test_an_operator_trains_runs_analyses_and_tears_down_with_operator_access_alone(
    stack: DeployedStack, customlabels, capsys
) -> None:
    manifests = write_samples(
        stack.client("s3"), digit_samples(120), stack.outputs["ConsoleBucketName"], f"datasets/{PROJECT}/ops"
    )
    inference = stack.outputs["InferenceBucketName"]
    for index in range(3):
        stack.client("s3").put_object(Bucket=inference, Key=f"backfill/{index}.png", Body=images.png())
    since = len(access.recent_denials())

    code, out = customlabels(
        capsys, "train", "--training", manifests["train"], "--testing", manifests["test"],
        "--version", VERSION, "--wait",
    )  # fmt: skip
    assert code == 0, out
    assert f"{VERSION} is RUNNING and is the champion" in out
    for command in (["stop"], ["start"], ["promote", VERSION]):
        code, out = customlabels(capsys, *command)
        assert code == 0, (command, out)
    code, out = customlabels(capsys, "analyse", f"s3://{inference}/backfill/", "--wait")
    assert code == 0, out
    assert "3 analysed" in out
    code, out = customlabels(capsys, "usage", "--json", stack_outputs=False)
    assert code == 0, out
    assert _denials_since(since) == []

    code, out = customlabels(capsys, "teardown", "--yes", "--poll-seconds", "0.2")
    assert code == 0, out
    assert f"Deleted project {PROJECT}" in out and "only the pipeline writes it" in out
    assert not stack.client("rekognition").describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    registry_writes = [d for d in _denials_since(since) if "dynamodb:UpdateItem" in d]
    assert len(registry_writes) == 1 and _denials_since(since) == registry_writes


def test_an_operator_cannot_set_the_gate_tags_approve_or_write_the_registry(
    stack: DeployedStack, operator: boto3.Session
) -> None:
    rekognition = _client(operator, stack, "rekognition")
    account = stack.client("sts").get_caller_identity()["Account"]
    version = f"arn:aws:rekognition:{stack.session.region_name}:{account}:project/{PROJECT}/version/v/1"
    with pytest.raises(ClientError) as tagging:
        rekognition.tag_resource(ResourceArn=version, Tags={GATE_TAG: PASSED})
    assert tagging.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as approving:
        _client(operator, stack, "stepfunctions").send_task_success(taskToken="t", output="{}")
    assert approving.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as writing:
        _client(operator, stack, "dynamodb").put_item(
            TableName=stack.outputs["RegistryTableName"],
            Item={"project": {"S": PROJECT}, "sk": {"S": "champion"}},
        )
    assert writing.value.response["Error"]["Code"] == "AccessDeniedException"


def _writers_failure_queue(stack: DeployedStack) -> str:
    """The URL of the queue the writer's stream mapping sends a given-up batch to (its on-failure)."""
    mappings = stack.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    [arn] = [
        m["DestinationConfig"]["OnFailure"]["Destination"]
        for m in mappings
        if "/stream/" in m["EventSourceArn"] and "WriteResultDocuments" in m["FunctionArn"]
    ]
    return stack.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]


def _messages(stack: DeployedStack, queue_url: str) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_an_operator_resends_a_document_the_writer_gave_up_on(
    stack: DeployedStack, operator: boto3.Session, customlabels, capsys
) -> None:
    s3, dynamodb, table = stack.client("s3"), stack.client("dynamodb"), stack.outputs["ResultsTableName"]
    bucket, failures = stack.outputs["InferenceBucketName"], _writers_failure_queue(stack)
    image, document_key = f"s3://{bucket}/uploads/held/broken.png", "results/held/broken.png.error.json"
    given_up = _messages(stack, failures)
    writer = role_policy("write_result_documents")(stack.artifact.template)
    with policy_update.without_statement(stack.deployment, writer, "WriteResultDocuments"):
        s3.put_object(Bucket=bucket, Key="uploads/held/broken.png", Body=b"not an image")
        assert stack.sources.wait_until_drained(240), "the upload queue or the results stream did not drain"
    assert _messages(stack, failures) == given_up + 1  # the writer's retries ended; the batch was given up
    [row] = dynamodb.query(
        TableName=table, KeyConditionExpression="image = :i", ExpressionAttributeValues={":i": {"S": image}}
    )["Items"]
    assert "document" in row and not s3.list_objects_v2(Bucket=bucket, Prefix=document_key).get("Contents")

    code, out = customlabels(capsys, "documents", "--older-than", "0", "--json")
    assert code == 0, out
    listed = json.loads(out)["items"]
    assert [(i["image"], i["resultUri"], i["documentResends"]) for i in listed] == [
        (image, f"s3://{bucket}/{document_key}", 0)
    ]
    code, out = customlabels(capsys, "documents", "--older-than", "0", "--resend")
    assert code == 0, out
    assert "Re-sent 1 result document(s)" in out and image in out
    until(
        lambda: bool(s3.list_objects_v2(Bucket=bucket, Prefix=document_key).get("Contents")),
        120,
        "the re-sent document in S3",
    )
    document = json.loads(s3.get_object(Bucket=bucket, Key=document_key)["Body"].read())
    assert document["status"] == "FAILED"
    key = {name: row[name] for name in ("image", "version")}
    until(
        lambda: "document" not in dynamodb.get_item(TableName=table, Key=key)["Item"],
        60,
        "the writer to remove the written document from the item",
    )
    code, out = customlabels(capsys, "documents", "--older-than", "0")
    assert code == 0 and "No result documents waiting" in out, out

    rewrite = _client(operator, stack, "dynamodb")  # re-sending is all an operator may do to a result
    with pytest.raises(ClientError) as refused:
        rewrite.update_item(
            TableName=table, Key=key,
            UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "SUCCEEDED"}},
        )  # fmt: skip
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
