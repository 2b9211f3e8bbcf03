"""Runs the synthesized stack on a fresh local endpoint for a test module."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from local.emulator import moto_integration
from local.emulator.settings import ServiceSettings
from local.endpoint import LocalEndpoint
from local.stack import REGION, DeployedStack, launch
from local.synth import StackArtifact


@contextmanager
def running_stack(
    artifact: StackArtifact, settings: ServiceSettings | None = None
) -> Iterator[DeployedStack]:
    with running_stacks([artifact], settings) as (stack,):
        yield stack


@contextmanager
def running_stacks(
    artifacts: list[StackArtifact], settings: ServiceSettings | None = None
) -> Iterator[list[DeployedStack]]:
    """A fresh endpoint with the stacks launched on it, each into its account. The process gets test
    credentials but no AWS_ENDPOINT_URL: Lambda handlers must reach the endpoint through their own
    environment."""
    variables = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        with LocalEndpoint(settings=settings, reset=True) as endpoint:
            stacks: list[DeployedStack] = []
            try:
                for artifact in artifacts:
                    stacks.append(launch(artifact, endpoint.url))
                yield stacks
            finally:
                for stack in stacks:
                    stack.close()
    finally:
        moto_integration.configure()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def until(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.25)


def topic_reader(
    stack: DeployedStack, topic_output: str = "NotificationsTopicArn"
) -> Callable[[], list[dict]]:
    """A queue subscribed now to the stack's topic, as an email subscriber would be; each call returns every
    SNS envelope (Subject, Message, MessageAttributes) it received so far."""
    sqs = stack.client("sqs")
    url = sqs.create_queue(QueueName=f"topic-reader-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.client("sns").subscribe(TopicArn=stack.outputs[topic_output], Protocol="sqs", Endpoint=arn)
    received: list[dict] = []

    def read() -> list[dict]:
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return received

    return read


def ends_of(envelopes: list[dict[str, Any]], execution_arn: str) -> list[dict[str, Any]]:
    """The topic's execution-end notices (SNS envelopes: Subject, Message, MessageAttributes) of one run."""
    return [
        envelope
        for envelope in envelopes
        if (envelope.get("MessageAttributes") or {}).get("executionArn", {}).get("Value") == execution_arn
    ]


def the_one_end(read: Callable[[], list[dict[str, Any]]], execution_arn: str) -> dict[str, Any]:
    """The one notice of the end of `execution_arn` on the topic (`read`: every envelope so far); a
    second notice of the same end fails."""
    until(lambda: bool(ends_of(read(), execution_arn)), 30, f"the notice of the end of {execution_arn}")
    time.sleep(1)  # the rule and the function run apart from the execution: a second notice would be here
    (notice,) = ends_of(read(), execution_arn)
    return notice


def train_directly(
    rekognition: Any, manifests: dict[str, str], project: str, version: str, output: str
) -> str:
    """A trained version made with the Custom Labels API alone (no pipeline); returns its ARN."""
    project_arn = rekognition.create_project(ProjectName=project)["ProjectArn"]
    for kind, split in (("TRAIN", "train"), ("TEST", "test")):
        bucket, name = manifests[split].removeprefix("s3://").split("/", 1)
        arn = rekognition.create_dataset(
            ProjectArn=project_arn,
            DatasetType=kind,
            DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": bucket, "Name": name}}},
        )["DatasetArn"]
        until(
            lambda arn=arn: (
                rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"]
                == "CREATE_COMPLETE"
            ),
            120,
            f"the {kind} dataset",
        )
    bucket, prefix = output.removeprefix("s3://").split("/", 1)
    version_arn = rekognition.create_project_version(
        ProjectArn=project_arn,
        VersionName=version,
        OutputConfig={"S3Bucket": bucket, "S3KeyPrefix": prefix},
    )["ProjectVersionArn"]
    until(lambda: version_status(rekognition, project_arn, version) == "TRAINING_COMPLETED", 300, "training")
    return version_arn


def version_status(rekognition: Any, project_arn: str, version: str) -> str:
    found = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[version])
    return found["ProjectVersionDescriptions"][0]["Status"]


def role_policy(handler: str) -> Callable[[dict[str, Any]], str]:
    def find(template: dict[str, Any]) -> str:
        resources = template["Resources"]
        role = next(
            r["Properties"]["Role"]["Fn::GetAtt"][0]
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::Function"
            and r["Properties"].get("Handler") == f"handlers.{handler}.handler"
        )
        return policy_of_role(resources, role)

    return find


def policy_of_role(resources: dict[str, Any], role: str) -> str:
    return next(
        logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"].get("Roles", [])
    )


def person_with(stack: DeployedStack, policy_arn: str, also: dict | None = None) -> boto3.Session:
    """A person holding only the managed policy `policy_arn` (and the inline policy `also`, when given):
    a role of the stack's account, assumed."""
    iam, account = stack.client("iam"), stack.client("sts").get_caller_identity()["Account"]
    name = f"person-{uuid.uuid4().hex[:8]}"
    trust = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole",
    }
    document = {"Version": "2012-10-17", "Statement": [trust]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))
    iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    if also is not None:
        iam.put_role_policy(RoleName=name, PolicyName="also", PolicyDocument=json.dumps(also))
    credentials = stack.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{name}", RoleSessionName="person"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=stack.session.region_name,
    )


def act_as(monkeypatch: Any, person: boto3.Session) -> None:
    """The CLI, run in this process, signs with `person`'s credentials (pytest's monkeypatch undoes it)."""
    credentials = person.get_credentials().get_frozen_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)
