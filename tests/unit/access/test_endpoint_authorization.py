"""The local endpoint authorizes calls as AWS does: roles, resource policies, keys, service deliveries."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local import access
from local.endpoint import LocalEndpoint

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Endpoint:
    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )

    def client(self, service: str, session: boto3.Session | None = None) -> Any:
        return (session or self.admin).client(service, endpoint_url=self.url)

    def role(self, name: str, *statements: dict[str, Any]) -> boto3.Session:
        """A role in the local IAM with these identity statements, assumed: a session acting as it."""
        iam = self.client("iam")
        trust = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_document(trust))
        if statements:
            iam.put_role_policy(RoleName=name, PolicyName="grants", PolicyDocument=_document(*statements))
        return self.assume(f"arn:aws:iam::{ACCOUNT}:role/{name}")

    def assume(self, role_arn: str) -> boto3.Session:
        credentials = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="tester")[
            "Credentials"
        ]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=REGION,
        )


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with LocalEndpoint(reset=True) as running:
        yield Endpoint(running.url)


def _error(call) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value


def test_a_role_is_held_to_its_policy_and_the_denial_names_what_is_missing(endpoint: Endpoint) -> None:
    endpoint.client("s3").create_bucket(Bucket="console-bucket")
    session = endpoint.role(
        "writer",
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::console-bucket/datasets/*"},
    )
    s3 = endpoint.client("s3", session)
    s3.put_object(Bucket="console-bucket", Key="datasets/a.manifest", Body=b"{}")
    error = _error(lambda: s3.put_object(Bucket="console-bucket", Key="training-output/x.json", Body=b"{}"))
    assert error.response["Error"]["Code"] == "AccessDenied"
    message = error.response["Error"]["Message"]
    assert "assumed-role/writer/tester" in message and "s3:PutObject" in message
    assert "arn:aws:s3:::console-bucket/training-output/x.json" in message
    assert any(
        d.action == "s3:PutObject" and "training-output" in d.resource for d in access.recent_denials()
    )


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("rekognition", lambda c: c.describe_projects(), "AccessDeniedException"),
        ("dynamodb", lambda c: c.list_tables(), "AccessDeniedException"),
        ("sqs", lambda c: c.list_queues(), "AccessDenied"),
        ("sns", lambda c: c.list_topics(), "AuthorizationError"),
        ("kms", lambda c: c.list_keys(), "AccessDeniedException"),
        ("stepfunctions", lambda c: c.list_state_machines(), "AccessDeniedException"),
        ("logs", lambda c: c.describe_log_groups(), "AccessDeniedException"),
        ("cloudwatch", lambda c: c.list_metrics(), "AccessDeniedException"),
    ],
)
def test_each_service_denies_with_its_own_error_code(endpoint: Endpoint, service, call, code) -> None:
    session = endpoint.role(f"nothing-{service}")
    assert _error(lambda: call(endpoint.client(service, session))).response["Error"]["Code"] == code


def test_keys_the_endpoint_did_not_issue_act_as_the_administrator(endpoint: Endpoint) -> None:
    assert endpoint.client("sts").get_caller_identity()["Account"] == ACCOUNT
    endpoint.client("rekognition").describe_projects()  # no role, no check


def test_sse_kms_needs_the_callers_permission_on_the_key_through_s3(endpoint: Endpoint) -> None:
    kms, s3 = endpoint.client("kms"), endpoint.client("s3")
    key = kms.create_key(
        Policy=_document({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"})
    )["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket="encrypted-bucket")
    s3.put_bucket_encryption(
        Bucket="encrypted-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    put = {
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject"],
        "Resource": "arn:aws:s3:::encrypted-bucket/*",
    }
    without_key = endpoint.client("s3", endpoint.role("no-key", put))
    error = _error(lambda: without_key.put_object(Bucket="encrypted-bucket", Key="a", Body=b"1"))
    assert "kms:GenerateDataKey" in error.response["Error"]["Message"]

    via_s3 = {
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": key,
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
    }
    with_key = endpoint.client("s3", endpoint.role("with-key", put, via_s3))
    with_key.put_object(Bucket="encrypted-bucket", Key="a", Body=b"1")
    assert with_key.get_object(Bucket="encrypted-bucket", Key="a")["Body"].read() == b"1"
    missing = _error(lambda: with_key.get_object(Bucket="encrypted-bucket", Key="gone", Range="bytes=0-9"))
    # a missing object gets S3's own answer (AWS: AccessDenied without s3:ListBucket), not a 500
    assert missing.response["Error"]["Code"] in {"NoSuchKey", "AccessDenied"}
    direct = endpoint.client("kms", endpoint.role("key-direct", via_s3))
    assert _error(lambda: direct.generate_data_key(KeyId=key, KeySpec="AES_256")).response["Error"][
        "Code"
    ] == ("AccessDeniedException")  # kms:ViaService holds only when S3 calls on the caller's behalf


def _queue(endpoint: Endpoint, name: str, policy: str | None) -> tuple[str, str]:
    sqs = endpoint.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={"Policy": policy} if policy else {})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_s3_notifications_need_the_queue_policy_with_its_source(endpoint: Endpoint) -> None:
    s3 = endpoint.client("s3")
    s3.create_bucket(Bucket="uploads-bucket")
    _, closed_arn = _queue(endpoint, "closed-queue", None)
    config = {"QueueConfigurations": [{"QueueArn": closed_arn, "Events": ["s3:ObjectCreated:*"]}]}
    error = _error(
        lambda: s3.put_bucket_notification_configuration(
            Bucket="uploads-bucket", NotificationConfiguration=config
        )
    )
    assert "Unable to validate the following destination configurations" in error.response["Error"]["Message"]

    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": "*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads-bucket"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    url, arn = _queue(endpoint, "open-queue", _document(allow))
    s3.put_bucket_versioning(Bucket="uploads-bucket", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket="uploads-bucket",
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    version = s3.put_object(Bucket="uploads-bucket", Key="uploads/a b+c.png", Body=b"x")["VersionId"]
    records = []
    for message in endpoint.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
        records += json.loads(message["Body"]).get("Records", [])
    (record,) = records
    assert record["s3"]["object"]["key"] == "uploads/a+b%2Bc.png"
    assert record["s3"]["object"]["versionId"] == version
    assert record["s3"]["object"]["sequencer"] and record["s3"]["object"]["size"] == 1


def _topic_with_subscriber(endpoint: Endpoint, name: str, policy: dict[str, Any]) -> tuple[str, str]:
    sns = endpoint.client("sns")
    topic = sns.create_topic(Name=name)["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=_document(policy))
    url, arn = _queue(endpoint, f"{name}-subscriber", None)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url


def _alarm(endpoint: Endpoint, name: str, topic: str) -> None:
    endpoint.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace="Test",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    endpoint.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")


def _messages(endpoint: Endpoint, url: str) -> list[dict[str, Any]]:
    time.sleep(0.2)
    received = (
        endpoint.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    )
    return [json.loads(m["Body"]) for m in received]


def test_an_alarm_delivers_to_its_topic_only_when_the_topic_policy_lets_cloudwatch_publish(endpoint) -> None:
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": "*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    topic, url = _topic_with_subscriber(endpoint, "alarms-open", allow)
    _alarm(endpoint, "open-alarm", topic)
    (notification,) = _messages(endpoint, url)
    message = json.loads(notification["Message"])
    assert message["AlarmName"] == "open-alarm" and message["NewStateValue"] == "ALARM"
    assert notification["Subject"].startswith('ALARM: "open-alarm"')

    events_only = {**allow, "Principal": {"Service": "events.amazonaws.com"}}
    topic, url = _topic_with_subscriber(endpoint, "alarms-closed", events_only)
    _alarm(endpoint, "closed-alarm", topic)
    assert _messages(endpoint, url) == []
    assert any(
        d.principal == "cloudwatch.amazonaws.com" and d.resource == topic for d in access.recent_denials()
    )


def test_a_log_group_needs_a_key_that_lets_cloudwatch_logs_use_it(endpoint: Endpoint) -> None:
    kms, logs = endpoint.client("kms"), endpoint.client("logs")
    root_only = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    key = kms.create_key(Policy=_document(root_only))["KeyMetadata"]["Arn"]
    error = _error(lambda: logs.create_log_group(logGroupName="/closed", kmsKeyId=key))
    assert "not allowed to be used" in error.response["Error"]["Message"]
    assert "logs.us-east-1.amazonaws.com" in error.response["Error"]["Message"]
    for_logs = {
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}
        },
    }
    key = kms.create_key(Policy=_document(root_only, for_logs))["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/open", kmsKeyId=key)


def test_assuming_a_role_of_another_account_acts_there_as_its_administrator(endpoint: Endpoint) -> None:
    other = endpoint.assume("arn:aws:iam::222222222222:role/Admin")
    assert endpoint.client("sts", other).get_caller_identity()["Account"] == "222222222222"
    endpoint.client("s3", other).create_bucket(Bucket="bucket-of-another-account")
    endpoint.client("sqs", other).create_queue(QueueName="theirs")
    assert "theirs" not in str(endpoint.client("sqs").list_queues().get("QueueUrls", []))


def _ended(sfn: Any, arn: str) -> dict:
    deadline = time.monotonic() + 30
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still running"
        time.sleep(0.2)
    return execution


def test_a_task_with_credentials_runs_as_that_role_only_when_the_machines_role_may_assume_it(
    endpoint: Endpoint,
) -> None:
    """Cross-account `states:startExecution` with `Credentials.RoleArn`: the grant and the trust decide."""
    other = endpoint.assume("arn:aws:iam::222222222222:role/Admin")
    their_iam, their_sfn = endpoint.client("iam", other), endpoint.client("stepfunctions", other)
    pass_only = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    target = their_sfn.create_state_machine(
        name="promotion", definition=pass_only, roleArn="arn:aws:iam::222222222222:role/promotion"
    )["stateMachineArn"]
    machine_role = f"arn:aws:iam::{ACCOUNT}:role/training-machine"
    trusted = {
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": machine_role}},
    }
    their_iam.create_role(RoleName="starter", AssumeRolePolicyDocument=_document(trusted))
    starts = {"Effect": "Allow", "Action": "states:StartExecution", "Resource": target}
    their_iam.put_role_policy(RoleName="starter", PolicyName="start", PolicyDocument=_document(starts))
    starter = "arn:aws:iam::222222222222:role/starter"
    iam = endpoint.client("iam")
    for_states = {
        "Effect": "Allow",
        "Principal": {"Service": "states.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    iam.create_role(RoleName="training-machine", AssumeRolePolicyDocument=_document(for_states))
    assumes = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": starter}
    iam.put_role_policy(RoleName="training-machine", PolicyName="assume", PolicyDocument=_document(assumes))
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Credentials": {"RoleArn": starter},
        "Parameters": {"StateMachineArn": target, "Input": {"from": "training"}},
        "End": True,
    }
    sfn = endpoint.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="training",
        definition=json.dumps({"StartAt": "Start", "States": {"Start": task}}),
        roleArn=machine_role,
    )["stateMachineArn"]

    started = _ended(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])
    assert started["status"] == "SUCCEEDED", started.get("cause")
    promotion = json.loads(started["output"])["ExecutionArn"]
    assert promotion.startswith("arn:aws:states:us-east-1:222222222222:execution:promotion:")
    assert json.loads(their_sfn.describe_execution(executionArn=promotion)["input"]) == {"from": "training"}

    own_root = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "sts:AssumeRole",
    }
    their_iam.update_assume_role_policy(RoleName="starter", PolicyDocument=_document(own_root))
    refused = _ended(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])
    assert refused["status"] == "FAILED"
    assert "sts:AssumeRole" in refused["cause"] and starter in refused["cause"]
