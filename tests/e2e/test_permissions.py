"""Permissions hold as in AWS: the synthesized stack runs with every call authorized.

- People's managed policies do what the README says (InferenceOnly, SdkAccess), and each guard (a Deny
  of what the pipeline owns) refuses its call even next to a broader policy, which without it passes.
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
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from customlabels.feedback.lineage import Lineage
from customlabels.training.registry import Registry
from customlabels_cli.support import approval
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.stack import Stack
from local import access, alarm_evaluation, policy_update
from local.deploy import fire_rule
from local.samples import digit_samples, ensure_bucket, shape_samples, write_samples
from local.stack import DeployedStack
from tests.e2e.harness import (
    person_with,
    policy_of_role,
    role_policy,
    running_stack,
    train_directly,
    until,
    version_status,
)
from tests.e2e.people_scenarios import BROADER, GUARDS, Guard, as_person
from tests.unit.inference import images

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PROJECT = "customlabels"
SCENARIO_TIMEOUT = 60


class Secured:
    """The deployed stack with a RUNNING champion and a queue subscribed to its topic."""

    def __init__(self, stack: DeployedStack) -> None:
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
        self.operator_outputs = Path(tempfile.mkdtemp()) / "outputs.json"
        self.operator_outputs.write_text(json.dumps(self.outputs))

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
        """The result document says SUCCEEDED and the results table has the image's row, which no longer
        carries the document (the result-document writer removes it once written)."""
        try:
            body = secured.s3.get_object(Bucket=bucket, Key=f"results/{key}.json")["Body"].read()
        except ClientError:
            return False
        rows = secured.dynamodb.query(
            TableName=secured.outputs["ResultsTableName"],
            KeyConditionExpression="image = :image",
            ExpressionAttributeValues={":image": {"S": f"s3://{bucket}/uploads/{key}"}},
        )["Items"]
        return json.loads(body)["status"] == "SUCCEEDED" and bool(rows) and "document" not in rows[0]

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


def _bad_input_training(secured: Secured) -> str:
    """A training execution that fails at once (its input is invalid); its name."""
    name = f"bad-input-{uuid.uuid4().hex[:8]}"
    secured.sfn.start_execution(
        stateMachineArn=secured.outputs["TrainingStateMachineArn"],
        name=name,
        input=json.dumps({"projectName": 7}),
    )
    return name


def training_end_is_announced(secured: Secured, denied: Callable[[], bool]) -> bool:
    """The execution-end rule invokes the notifier, which tells the topic in a sentence."""
    secured.topic_messages()
    name = _bad_input_training(secured)
    expected = f"The training run {name} of {PROJECT} failed with InvalidInput"
    return _wait(lambda: any(m["Message"].startswith(expected) for m in secured.topic_messages()), denied)


def _rule_dead_letters(secured: Secured) -> str:
    (queue,) = [
        r
        for r in secured.stack.deployment.of_type("AWS::SQS::Queue")
        if "RuleDeadLetterQueue" in r.logical_id
    ]
    return queue.ref


def _training_ended_rule(secured: Secured) -> dict[str, Any]:
    deployment = secured.stack.deployment
    (rule,) = [r for r in deployment.of_type("AWS::Events::Rule") if "ExecutionEnded" in r.logical_id]
    events = secured.stack.client("events")
    (target,) = events.list_targets_by_rule(Rule=rule.ref)["Targets"]
    return {"Rule": rule.ref, "Target": target}


def undelivered_training_end_is_dead_lettered(secured: Secured, denied: Callable[[], bool]) -> bool:
    """With its function gone (the target points at a function that does not exist), the rule puts the
    event in the dead-letter queue with the error; the target is put back after."""
    events, queue = secured.stack.client("events"), _rule_dead_letters(secured)
    rule = _training_ended_rule(secured)
    missing = {**rule["Target"], "Arn": rule["Target"]["Arn"] + "-gone"}
    events.put_targets(Rule=rule["Rule"], Targets=[missing])
    try:
        name = _bad_input_training(secured)

        def dead_lettered() -> bool:
            received = secured.sqs.receive_message(
                QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            for message in received:
                secured.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            return any(
                json.loads(m["Body"])["detail"]["name"] == name
                and m["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "RESOURCE_NOT_FOUND"
                for m in received
            )

        return _wait(dead_lettered, denied)
    finally:
        events.put_targets(Rule=rule["Rule"], Targets=[rule["Target"]])


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


def _as_operator(secured: Secured, *arguments: str, stack_outputs: bool = True) -> int:
    operator = secured.session_with("OperatorAccessPolicyArn")
    endpoint, outputs = secured.stack.endpoint_url, secured.operator_outputs
    return as_person(operator, endpoint, outputs, *arguments, stack_outputs=stack_outputs)


def operator_starts_the_champion(secured: Secured, denied: Callable[[], bool]) -> bool:
    """`customlabels start` of the RUNNING champion: looked up, started through the model-control
    machine (which finds it running) and followed to the end; the model stays as it is."""
    return _as_operator(secured, "start") == 0


def operator_reads_usage(secured: Secured, denied: Callable[[], bool]) -> bool:
    return _as_operator(secured, "usage", "--json", stack_outputs=False) == 0


@dataclass(frozen=True)
class Grant:
    """One grant of the template: which policy, which action (and statement), what breaks without it."""

    name: str
    policy: Callable[[dict[str, Any]], str]  # template -> logical id of the policy resource
    action: str
    scenario: Callable[[Secured, Callable[[], bool]], bool]
    denied_action: str
    sid: str | None = None
    condition: dict[str, Any] | None = None  # put back on statement `sid` instead of removing `action`


def approver_reaches_the_approval_function(secured: Secured, denied: Callable[[], bool]) -> bool:
    """A person holding ApproverAccess asks through the approval URL about a run that does not wait: the
    function looks its task token up and answers that nothing waits (not 403, not 502)."""
    person = secured.session_with("ApproverAccessPolicyArn")
    machine = secured.outputs["TrainingStateMachineArn"]
    nothing = machine.replace(":stateMachine:", ":execution:") + ":nothing-waits"
    try:
        approval.call(Stack(secured.outputs, PROJECT, person), {"target": nothing, "decision": "approve"})
    except CliError as error:
        return error.message.startswith(f"no version {nothing} waiting") and not denied()
    return False


def reviewer_records_an_import(secured: Secured, denied: Callable[[], bool]) -> bool:
    """A person holding ReviewerAccess writes an import's lineage item in the feedback partition."""
    person = secured.session_with("ReviewerAccessPolicyArn")
    dynamodb = person.resource("dynamodb", endpoint_url=secured.stack.endpoint_url)
    lineage = Lineage(Registry(secured.outputs["RegistryTableName"], dynamodb))
    record = {"importId": uuid.uuid4().hex[:8], "imageCount": 0}
    record["trainingManifest"] = secured.manifests["train"]
    try:
        lineage.record_import(PROJECT, record)
    except ClientError:
        return False
    return not denied()


def state_machine_policy(output: str) -> Callable[[dict[str, Any]], str]:
    def find(template: dict[str, Any]) -> str:
        machine = template["Outputs"][output]["Value"]["Ref"]
        role = template["Resources"][machine]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        return policy_of_role(template["Resources"], role)

    return find


def user_policy(name: str) -> Callable[[dict[str, Any]], str]:
    """The stack's managed policy `name` (ConsoleAccess, SdkAccess, OperatorAccess, ...)."""

    def find(template: dict[str, Any]) -> str:
        [found] = [
            logical_id
            for logical_id, r in template["Resources"].items()
            if r["Type"] == "AWS::IAM::ManagedPolicy" and logical_id.startswith(f"UserPolicies{name}")
        ]
        return found

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


def key_condition_not_sent(
    whose: str, sid: str, scenario: Callable[[Secured, Callable[[], bool]], bool], condition: dict[str, Any]
) -> Grant:
    """Key statement `sid` conditioned on a key KMS never gets (it matches any value, were one sent)."""
    keys = ", ".join(key for values in condition.values() for key in values)
    name = f"key policy: {whose} statement back on {keys}, which KMS does not get"
    return Grant(
        name, of_type("AWS::KMS::Key"), "kms:GenerateDataKey", scenario, "kms:GenerateDataKey", sid, condition
    )


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
        "detect: record the results of a batch",
        role_policy("detect"),
        "dynamodb:BatchWriteItem",
        upload_is_labelled,
        "dynamodb:BatchWriteItem",
        sid="WriteResultItems",
    ),
    Grant(
        "result-document writer: read the results stream",
        role_policy("write_result_documents"),
        "dynamodb:GetRecords",
        upload_is_labelled,
        "dynamodb:GetRecords",
        sid="ReadResultsStream",
    ),
    Grant(
        "result-document writer: write the document",
        role_policy("write_result_documents"),
        "s3:PutObject",
        upload_is_labelled,
        "s3:PutObject",
        sid="WriteResultDocuments",
    ),
    Grant(
        "result-document writer: remove the written document from the row",
        role_policy("write_result_documents"),
        "dynamodb:UpdateItem",
        upload_is_labelled,
        "dynamodb:UpdateItem",
        sid="RemoveWrittenDocuments",
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
    key_condition_not_sent(
        "S3's",
        "S3NotificationsToEncryptedQueue",
        upload_is_labelled,
        {"StringLike": {"aws:SourceAccount": "*"}},
    ),
    Grant(
        "notifier: publish the execution end",
        role_policy("notify_execution_end"),
        "sns:Publish",
        training_end_is_announced,
        "sns:Publish",
    ),
    Grant(
        "notifier: the topic's key through SNS",
        role_policy("notify_execution_end"),
        "kms:GenerateDataKey",
        training_end_is_announced,
        "kms:GenerateDataKey",
    ),
    Grant(
        "key policy: EventBridge uses the key for the dead-letter queue",
        of_type("AWS::KMS::Key"),
        "kms:GenerateDataKey",
        undelivered_training_end_is_dead_lettered,
        "kms:GenerateDataKey",
        sid="EventBridgeDeadLettersToEncryptedQueue",
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
        "validate manifests: read them",
        role_policy("validate_manifests"),
        "s3:GetObject",
        training_reaches_train,
        "s3:GetObject",
    ),
    Grant(
        "datasets: create them",
        role_policy("prepare_datasets"),
        "rekognition:CreateDataset",
        training_reaches_train,
        "rekognition:CreateDataset",
    ),
    Grant(
        "datasets: Rekognition reads the manifest with the role's access (object read set)",
        role_policy("prepare_datasets"),
        "s3:GetObjectTagging",
        training_reaches_train,
        "s3:GetObjectTagging",
        sid="ReadTrainingData",
    ),
    Grant(
        "datasets: Rekognition reads the manifest with the role's access (bucket read set)",
        role_policy("prepare_datasets"),
        "s3:GetBucketLocation",
        training_reaches_train,
        "s3:GetBucketLocation",
        sid="ReadTrainingBucket",
    ),
    Grant(
        "project: find it",
        role_policy("ensure_project"),
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
        "approver: call the approval function URL",
        of_type("AWS::IAM::ManagedPolicy", "DecideApprovals"),
        "lambda:InvokeFunctionUrl",
        approver_reaches_the_approval_function,
        "lambda:InvokeFunctionUrl",
        sid="DecideApprovals",
    ),
    Grant(
        "approval function: read the task token",
        role_policy("decide_approval"),
        "dynamodb:GetItem",
        approver_reaches_the_approval_function,
        "dynamodb:GetItem",
        sid="UseTaskToken",
    ),
    Grant(
        "reviewer: record imports in the feedback partition",
        of_type("AWS::IAM::ManagedPolicy", "WriteFeedbackRecords"),
        "dynamodb:PutItem",
        reviewer_records_an_import,
        "dynamodb:PutItem",
        sid="WriteFeedbackRecords",
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
    Grant(
        "operator: start the runs",
        user_policy("OperatorAccess"),
        "states:StartExecution",
        operator_starts_the_champion,
        "states:StartExecution",
        sid="StartRuns",
    ),
    Grant(
        "operator: follow the runs",
        user_policy("OperatorAccess"),
        "states:DescribeExecution",
        operator_starts_the_champion,
        "states:DescribeExecution",
        sid="FollowRuns",
    ),
    Grant(
        "operator: read the champion",
        user_policy("OperatorAccess"),
        "dynamodb:GetItem",
        operator_starts_the_champion,
        "dynamodb:GetItem",
        sid="ReadRegistry",
    ),
    Grant(
        "operator: list the usage metrics",
        user_policy("OperatorAccess"),
        "cloudwatch:ListMetrics",
        operator_reads_usage,
        "cloudwatch:ListMetrics",
        sid="Usage",
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
    deployment = secured.stack.deployment
    mutation = (
        policy_update.with_condition(deployment, logical_id, grant.sid, grant.condition)
        if grant.condition and grant.sid
        else policy_update.without_grant(deployment, logical_id, grant.action, where)
    )
    with mutation:
        assert not grant.scenario(secured, lambda: _denied(grant.denied_action, since))
    assert _denied(grant.denied_action, since), f"no denial of {grant.denied_action}"


@pytest.mark.parametrize("guard", GUARDS, ids=lambda g: g.name)
def test_each_guard_denies_its_call_and_without_it_the_call_is_authorized(
    secured: Secured, guard: Guard
) -> None:
    person = person_with(secured.stack, secured.outputs[f"{guard.policy}PolicyArn"], also=BROADER)
    rekognition = _client(person, "rekognition", secured)
    since = len(access.recent_denials())
    assert _code(lambda: guard.call(rekognition, secured)) == "AccessDeniedException"
    [denial] = [d for d in access.recent_denials()[since:] if d.action == guard.action]
    assert "explicit deny" in denial.reason
    logical_id = user_policy(guard.policy)(secured.template)
    try:
        with policy_update.without_statement(secured.stack.deployment, logical_id, guard.sid):
            try:
                guard.call(rekognition, secured)
            except ClientError as error:
                assert error.response["Error"]["Code"] != "AccessDeniedException", error
    finally:
        secured.rekognition.untag_resource(
            ResourceArn=secured.model["versionArn"], TagKeys=["Customlabels:Gate"]
        )
def test_a_training_end_the_notifier_never_got_raises_the_rules_failure_alarm_on_the_topic(
    secured: Secured,
) -> None:
    """The alarm publishes as CloudWatch, not as EventBridge: people hear of the lost training end."""
    assert undelivered_training_end_is_dead_lettered(secured, lambda: False)
    secured.topic_messages()
    changes = alarm_evaluation.evaluate(secured.account, secured.stack.session.region_name)
    cloudwatch = secured.stack.client("cloudwatch")
    try:
        (raised,) = [c for c in changes if "ExecutionEndedFailed" in c.alarm and c.state == "ALARM"]
        time.sleep(0.5)
        alarms = [json.loads(m["Message"]) for m in secured.topic_messages() if "AlarmName" in m["Message"]]
        assert any(a["AlarmName"] == raised.alarm and a["NewStateValue"] == "ALARM" for a in alarms)
    finally:
        for change in changes:
            cloudwatch.set_alarm_state(AlarmName=change.alarm, StateValue=change.previous, StateReason="e2e")


def test_without_its_queue_policy_statement_the_rule_cannot_dead_letter_an_end(secured: Secured) -> None:
    """CDK's statement for the execution-end rule (its Sid names the rule's path) lets only that rule send
    to the dead-letter queue: without it the end the function never got is refused there too."""
    [(policy, sid)] = [
        (logical_id, statement["Sid"])
        for logical_id, r in secured.template["Resources"].items()
        if r["Type"] == "AWS::SQS::QueuePolicy"
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid", "").startswith("AllowEventRule") and "ExecutionEnded" in statement["Sid"]
    ]
    since = len(access.recent_denials())

    def refused() -> bool:
        return _denied("sqs:SendMessage", since)

    with policy_update.without_statement(secured.stack.deployment, policy, sid):
        assert not undelivered_training_end_is_dead_lettered(secured, refused)
    assert _denied("sqs:SendMessage", since)


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
