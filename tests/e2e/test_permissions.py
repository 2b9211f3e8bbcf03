"""Permissions hold as in AWS: the synthesized stack runs with every call authorized.

- People's managed policies do what the README says (InferenceOnly, SdkAccess).
- An alarm in ALARM reaches the topic (CloudWatch may publish to it and use its key).
- The mutation table: for each of the stack's grants below, the stack is served without it (a stack
  update of that one policy, as CloudFormation would apply the changed template) and a named
  scenario fails with a denial that names the missing grant; with the grant, the same scenario passes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from customlabels.training.registry import Registry
from local import access, policy_update
from local.deploy import fire_rule
from local.samples import digit_samples, ensure_bucket, shape_samples, write_samples
from local.stack import LocalStack
from tests.e2e.harness import (
    person_with,
    policy_of_role,
    role_policy,
    running_stack,
    train_directly,
    until,
    version_status,
)
from tests.unit.inference import images

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PROJECT = "customlabels"
SCENARIO_TIMEOUT = 60


class Secured:
    """The deployed stack with a RUNNING champion and a queue subscribed to its topic."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.outputs = stack.outputs
        self.template = stack.artifact.template
        self.account = stack.client("sts").get_caller_identity()["Account"]
        self.s3 = stack.client("s3")
        self.rekognition = stack.client("rekognition")
        self.sfn = stack.client("stepfunctions")
        self.sqs = stack.client("sqs")
        self.dynamodb = stack.client("dynamodb")
        self.topic_queue = self._subscribe_queue()
        self.manifests = write_samples(
            self.s3, digit_samples(50), self.outputs["ConsoleBucketName"], f"datasets/{PROJECT}/digits"
        )
        self.model = self._running_champion()

    def _subscribe_queue(self) -> str:
        topic = self.outputs["NotificationsTopicArn"]
        url = self.sqs.create_queue(QueueName="topic-subscriber")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.stack.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return url

    def _running_champion(self) -> dict[str, str]:
        bucket = self.outputs["ConsoleBucketName"]
        ensure_bucket(self.s3, bucket)
        manifests = write_samples(self.s3, shape_samples(60), bucket, f"datasets/{PROJECT}/shapes")
        arn = train_directly(
            self.rekognition, manifests, PROJECT, "v1", f"s3://{bucket}/training-output/{PROJECT}/"
        )
        project_arn = self.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0][
            "ProjectArn"
        ]
        self.rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
        until(lambda: version_status(self.rekognition, project_arn, "v1") == "RUNNING", 120, "the model")
        dynamodb = self.stack.session.resource("dynamodb", endpoint_url=self.stack.endpoint_url)
        Registry(self.outputs["RegistryTableName"], dynamodb).set_champion(PROJECT, "v1", arn, 0.9)
        return {"projectArn": project_arn, "versionArn": arn}

    def session_with(self, policy_output: str) -> boto3.Session:
        """A role holding only the stack's managed policy `policy_output`, assumed."""
        return person_with(self.stack, self.outputs[policy_output])

    def topic_messages(self) -> list[dict[str, Any]]:
        received = self.sqs.receive_message(QueueUrl=self.topic_queue, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in received:
            self.sqs.delete_message(QueueUrl=self.topic_queue, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in received]


@pytest.fixture(scope="module")
def secured(stack_artifact) -> Iterator[Secured]:
    with running_stack(stack_artifact) as stack:
        assert access.enabled()
        yield Secured(stack)


def _client(session: boto3.Session, service: str, secured: Secured) -> Any:
    return session.client(service, endpoint_url=secured.stack.endpoint_url)


def _code(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_inference_only_detects_on_the_projects_versions_but_cannot_start_them(secured: Secured) -> None:
    rekognition = _client(secured.session_with("InferenceOnlyPolicyArn"), "rekognition", secured)
    labels = rekognition.detect_custom_labels(
        ProjectVersionArn=secured.model["versionArn"], Image={"Bytes": images.png()}
    )
    assert "CustomLabels" in labels
    start = lambda: rekognition.start_project_version(  # noqa: E731
        ProjectVersionArn=secured.model["versionArn"], MinInferenceUnits=1
    )
    assert _code(start) == "AccessDeniedException"


def test_sdk_access_writes_datasets_but_not_training_output(secured: Secured) -> None:
    s3 = _client(secured.session_with("SdkAccessPolicyArn"), "s3", secured)
    bucket = secured.outputs["ConsoleBucketName"]
    s3.put_object(Bucket=bucket, Key=f"datasets/{PROJECT}/mine.manifest", Body=b"{}\n")
    write = lambda: s3.put_object(  # noqa: E731
        Bucket=bucket, Key=f"training-output/{PROJECT}/summary.json", Body=b"{}"
    )
    assert _code(write) == "AccessDenied"


def _alarm_name(secured: Secured) -> str:
    alarms = secured.stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
    topic = secured.outputs["NotificationsTopicArn"]
    return next(alarm["AlarmName"] for alarm in alarms if topic in alarm["AlarmActions"])


def alarm_reaches_topic(secured: Secured) -> bool:
    cloudwatch, name = secured.stack.client("cloudwatch"), _alarm_name(secured)
    secured.topic_messages()
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="e2e")
    try:
        time.sleep(0.5)
        messages = [json.loads(m["Message"]) for m in secured.topic_messages() if "AlarmName" in m["Message"]]
        return any(
            message["AlarmName"] == name and message["NewStateValue"] == "ALARM" for message in messages
        )
    finally:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="e2e done")


def test_an_alarm_set_to_alarm_delivers_a_message_to_the_topic(secured: Secured) -> None:
    assert alarm_reaches_topic(secured)


def _denied(action: str, since: int) -> bool:
    return any(d.action == action for d in access.recent_denials()[since:])


def _wait(done: Callable[[], bool], denied: Callable[[], bool]) -> bool:
    """True when `done` comes true; False as soon as a denial the scenario waits for is logged."""
    deadline = time.monotonic() + SCENARIO_TIMEOUT
    while time.monotonic() < deadline:
        if done():
            return True
        if denied():
            return False
        time.sleep(0.25)
    pytest.fail("scenario neither finished nor was denied")


def upload_is_labelled(secured: Secured, denied: Callable[[], bool]) -> bool:
    bucket, key = secured.outputs["InferenceBucketName"], f"mutation/{uuid.uuid4().hex[:8]}.png"
    secured.s3.put_object(Bucket=bucket, Key=f"uploads/{key}", Body=images.png())

    def labelled() -> bool:
        """The result document says SUCCEEDED and the results table has the image's row."""
        try:
            body = secured.s3.get_object(Bucket=bucket, Key=f"results/{key}.json")["Body"].read()
        except ClientError:
            return False
        rows = secured.dynamodb.query(
            TableName=secured.outputs["ResultsTableName"],
            KeyConditionExpression="image = :image",
            ExpressionAttributeValues={":image": {"S": f"s3://{bucket}/uploads/{key}"}},
        )["Items"]
        return json.loads(body)["status"] == "SUCCEEDED" and bool(rows)

    return _wait(labelled, denied)


def training_reaches_train(secured: Secured, denied: Callable[[], bool]) -> bool:
    arn = secured.sfn.start_execution(
        stateMachineArn=secured.outputs["TrainingStateMachineArn"],
        input=json.dumps(
            {
                "projectName": PROJECT,
                "trainingManifest": secured.manifests["train"],
                "testingManifest": secured.manifests["test"],
                "deploy": False,
            }
        ),
    )["executionArn"]

    def entered_train() -> bool:
        events = secured.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return any(e.get("stateEnteredEventDetails", {}).get("name") == "Train" for e in events)

    def failed() -> bool:
        return denied() or secured.sfn.describe_execution(executionArn=arn)["status"] == "FAILED"

    try:
        return _wait(entered_train, failed)
    finally:
        if secured.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            secured.sfn.stop_execution(executionArn=arn)


def bad_input_is_announced(secured: Secured, denied: Callable[[], bool]) -> bool:
    secured.topic_messages()
    secured.sfn.start_execution(
        stateMachineArn=secured.outputs["TrainingStateMachineArn"], input=json.dumps({"projectName": 7})
    )

    def announced() -> bool:
        return any("InvalidInput" in json.dumps(message) for message in secured.topic_messages())

    return _wait(announced, denied)


def alarm_is_delivered(secured: Secured, denied: Callable[[], bool]) -> bool:
    return alarm_reaches_topic(secured) and not denied()


def guard_checks_the_model(secured: Secured, denied: Callable[[], bool]) -> bool:
    deployment = secured.stack.deployment
    (rule,) = [r.logical_id for r in deployment.scheduled() if "Guard" in r.logical_id]
    (result,) = fire_rule(deployment, rule)
    return not result.get("Refused") and not result.get("FunctionError") and not denied()


def backfill_succeeds(secured: Secured, denied: Callable[[], bool]) -> bool:
    bucket, prefix = secured.outputs["InferenceBucketName"], f"backfill/{uuid.uuid4().hex[:8]}/"
    for index in range(3):
        secured.s3.put_object(Bucket=bucket, Key=f"{prefix}{index}.png", Body=images.png())
    arn = secured.sfn.start_execution(
        stateMachineArn=secured.outputs["BatchAnalysisStateMachineArn"],
        input=json.dumps({"source": f"s3://{bucket}/{prefix}", "stopWhenDone": False}),
    )["executionArn"]

    def status() -> str:
        return secured.sfn.describe_execution(executionArn=arn)["status"]

    return _wait(lambda: status() == "SUCCEEDED", lambda: denied() or status() == "FAILED")


@dataclass(frozen=True)
class Grant:
    """One grant of the template: which policy, which action (and statement), what breaks without it."""

    name: str
    policy: Callable[[dict[str, Any]], str]  # template -> logical id of the policy resource
    action: str
    scenario: Callable[[Secured, Callable[[], bool]], bool]
    denied_action: str
    sid: str | None = None


def state_machine_policy(output: str) -> Callable[[dict[str, Any]], str]:
    def find(template: dict[str, Any]) -> str:
        machine = template["Outputs"][output]["Value"]["Ref"]
        role = template["Resources"][machine]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        return policy_of_role(template["Resources"], role)

    return find


def of_type(resource_type: str, sid: str | None = None) -> Callable[[dict[str, Any]], str]:
    def find(template: dict[str, Any]) -> str:
        for logical_id, r in template["Resources"].items():
            if r["Type"] != resource_type:
                continue
            document = r["Properties"].get("PolicyDocument") or r["Properties"].get("KeyPolicy")
            if sid is None or any(s.get("Sid") == sid for s in document["Statement"]):
                return logical_id
        raise LookupError(f"no {resource_type} with statement {sid}")

    return find


GRANTS = [
    Grant(
        "detect: DetectCustomLabels",
        role_policy("detect"),
        "rekognition:DetectCustomLabels",
        upload_is_labelled,
        "rekognition:DetectCustomLabels",
    ),
    Grant(
        "detect: read the upload",
        role_policy("detect"),
        "s3:GetObjectVersion",
        upload_is_labelled,
        "s3:GetObjectVersion",
    ),
    Grant(
        "detect: write the result",
        role_policy("detect"),
        "s3:PutObject",
        upload_is_labelled,
        "s3:PutObject",
        sid="WriteResults",
    ),
    Grant(
        "detect: record the result",
        role_policy("detect"),
        "dynamodb:PutItem",
        upload_is_labelled,
        "dynamodb:PutItem",
        sid="WriteResultItems",
    ),
    Grant("detect: decrypt", role_policy("detect"), "kms:Decrypt", upload_is_labelled, "kms:Decrypt"),
    Grant(
        "detect: receive upload messages",
        role_policy("detect"),
        "sqs:ReceiveMessage",
        upload_is_labelled,
        "sqs:ReceiveMessage",
    ),
    Grant(
        "key policy: S3 notifications use the key",
        of_type("AWS::KMS::Key"),
        "kms:GenerateDataKey",
        upload_is_labelled,
        "kms:GenerateDataKey",
        sid="S3NotificationsToEncryptedQueue",
    ),
    Grant(
        "queue policy: S3 sends notifications",
        of_type("AWS::SQS::QueuePolicy", "S3UploadNotifications"),
        "sqs:SendMessage",
        upload_is_labelled,
        "sqs:SendMessage",
        sid="S3UploadNotifications",
    ),
    Grant(
        "topic policy: alarms publish",
        of_type("AWS::SNS::TopicPolicy"),
        "sns:Publish",
        alarm_is_delivered,
        "sns:Publish",
        sid="CloudWatchAlarmsPublish",
    ),
    Grant(
        "key policy: alarms use the key",
        of_type("AWS::KMS::Key"),
        "kms:GenerateDataKey*",
        alarm_is_delivered,
        "kms:GenerateDataKey",
        sid="CloudWatchAlarmsPublishToEncryptedTopic",
    ),
    Grant(
        "training machine: invoke its functions",
        state_machine_policy("TrainingStateMachineArn"),
        "lambda:InvokeFunction",
        training_reaches_train,
        "lambda:InvokeFunction",
    ),
    Grant(
        "training machine: publish",
        state_machine_policy("TrainingStateMachineArn"),
        "sns:Publish",
        bad_input_is_announced,
        "sns:Publish",
    ),
    Grant(
        "training machine: the topic's key through SNS",
        state_machine_policy("TrainingStateMachineArn"),
        "kms:GenerateDataKey*",
        bad_input_is_announced,
        "kms:GenerateDataKey",
    ),
    Grant(
        "validate manifests: read them",
        role_policy("validate_manifest"),
        "s3:GetObject",
        training_reaches_train,
        "s3:GetObject",
    ),
    Grant(
        "datasets: create them",
        role_policy("training_datasets"),
        "rekognition:CreateDataset",
        training_reaches_train,
        "rekognition:CreateDataset",
    ),
    Grant(
        "datasets: Rekognition reads the manifest with the role's access (object read set)",
        role_policy("training_datasets"),
        "s3:GetObjectTagging",
        training_reaches_train,
        "s3:GetObjectTagging",
        sid="ReadTrainingData",
    ),
    Grant(
        "datasets: Rekognition reads the manifest with the role's access (bucket read set)",
        role_policy("training_datasets"),
        "s3:GetBucketLocation",
        training_reaches_train,
        "s3:GetBucketLocation",
        sid="ReadTrainingBucket",
    ),
    Grant(
        "project: find it",
        role_policy("training_project"),
        "rekognition:DescribeProjects",
        training_reaches_train,
        "rekognition:DescribeProjects",
    ),
    Grant(
        "batch machine: list the source prefix",
        state_machine_policy("BatchAnalysisStateMachineArn"),
        "s3:ListBucket",
        backfill_succeeds,
        "s3:ListBucket",
        sid="ListSourceBuckets",
    ),
    Grant(
        "batch machine: write the Map's results",
        state_machine_policy("BatchAnalysisStateMachineArn"),
        "s3:PutObject",
        backfill_succeeds,
        "s3:PutObject",
        sid="WriteMapResults",
    ),
    Grant(
        "guard: read usage metrics",
        role_policy("idle_guard"),
        "cloudwatch:GetMetricData",
        guard_checks_the_model,
        "cloudwatch:GetMetricData",
    ),
    Grant(
        "guard: describe versions",
        role_policy("idle_guard"),
        "rekognition:DescribeProjectVersions",
        guard_checks_the_model,
        "rekognition:DescribeProjectVersions",
    ),
]


@pytest.mark.parametrize(
    "scenario", sorted({g.scenario for g in GRANTS}, key=lambda s: s.__name__), ids=lambda s: s.__name__
)
def test_each_scenario_passes_with_every_grant(secured: Secured, scenario) -> None:
    since = len(access.recent_denials())
    assert scenario(secured, lambda: False)
    assert access.recent_denials()[since:] == []


@pytest.mark.parametrize("grant", GRANTS, ids=lambda g: g.name)
def test_without_the_grant_its_scenario_fails_naming_it(secured: Secured, grant: Grant) -> None:
    logical_id = grant.policy(secured.template)
    where = (lambda statement: statement.get("Sid") == grant.sid) if grant.sid else None
    since = len(access.recent_denials())
    with policy_update.without_grant(secured.stack.deployment, logical_id, grant.action, where):
        assert not grant.scenario(secured, lambda: _denied(grant.denied_action, since))
    assert _denied(grant.denied_action, since), f"no denial of {grant.denied_action}"


def test_serving_a_template_whose_key_forbids_cloudwatch_logs_fails_naming_logs_and_kms(
    stack_artifact, tmp_path: Path
) -> None:
    assembly = tmp_path / "cdk.out"
    shutil.copytree(stack_artifact.assembly_dir, assembly)
    template_file = assembly / f"{stack_artifact.name}.template.json"
    template = json.loads(template_file.read_text())
    key = of_type("AWS::KMS::Key")(template)
    policy = template["Resources"][key]["Properties"]["KeyPolicy"]
    policy["Statement"] = [
        s for s in policy["Statement"] if "logs." not in json.dumps(s.get("Principal", ""))
    ]
    template_file.write_text(json.dumps(template))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "local", "serve", "--port", "0", "--template", str(template_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "logs" in result.stderr and "KMS" in result.stderr, result.stderr[-2000:]
    assert time.monotonic() - started < 300
