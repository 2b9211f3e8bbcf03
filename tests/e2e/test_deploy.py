"""The local deployer: the app's synthesized stack, and a stack with every resource type features add."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from infra.functions import PipelineFunction
from infra.storage import logs_key_statement
from local.bucket_policy_evaluation import SECURE_TRANSPORT, over_tls
from local.deploy import Deployment, deploy, deploy_artifact, fire_rule, notification_providers
from local.intrinsics import TemplateError
from local.provision.base import Clients
from local.synth import StackArtifact, load_stack

# Each fixture synthesizes a stack (jsii): seconds to tens of seconds once per session/module.
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_every_resource_of_the_app_is_created_or_listed(deployed_stack) -> None:
    template = deployed_stack.artifact.template
    deployment: Deployment = deployed_stack.deployment
    accounted = set(deployment.resources) | set(deployment.not_created)
    assert set(template["Resources"]) <= accounted
    for logical_id, resource in deployment.resources.items():
        assert resource.type == template["Resources"][logical_id]["Type"]


def test_outputs_have_the_cfn_output_names_and_real_values(deployed_stack) -> None:
    outputs = deployed_stack.outputs
    assert set(deployed_stack.artifact.template["Outputs"]) == set(outputs)
    assert outputs["ConsoleBucketName"] == f"custom-labels-console-{deployed_stack.session.region_name}-local"
    s3_client = deployed_stack.client("s3")
    names = {bucket["Name"] for bucket in s3_client.list_buckets()["Buckets"]}
    assert {outputs["ConsoleBucketName"], outputs["InferenceBucketName"]} <= names
    key = deployed_stack.client("kms").describe_key(KeyId=outputs["KmsKeyArn"])["KeyMetadata"]
    assert key["Arn"] == outputs["KmsKeyArn"]
    assert deployed_stack.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]


def test_stack_record_lists_the_outputs_for_describe_stacks(deployed_stack) -> None:
    stack = deployed_stack.client("cloudformation").describe_stacks(StackName="CustomLabelsPipeline")[
        "Stacks"
    ][0]
    recorded = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    assert recorded == deployed_stack.outputs
    assert stack["StackId"] == deployed_stack.deployment.stack_id


@pytest.mark.parametrize("output", ["ConsoleBucketName", "InferenceBucketName"])
def test_buckets_carry_the_templates_encryption_and_tls_only_policy(deployed_stack, output: str) -> None:
    s3_client = deployed_stack.client("s3")
    bucket = deployed_stack.outputs[output]
    encryption = s3_client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][
        0
    ]
    assert encryption["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": deployed_stack.outputs["KmsKeyArn"],
    }
    assert s3_client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    policy = json.loads(s3_client.get_bucket_policy(Bucket=bucket)["Policy"])
    deny = policy["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    logging = s3_client.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetPrefix"] in {"console/", "inference/"}


def test_objects_put_without_encryption_get_the_buckets_kms_key(deployed_stack) -> None:
    s3_client = deployed_stack.client("s3")
    bucket = deployed_stack.outputs["ConsoleBucketName"]
    s3_client.put_object(Bucket=bucket, Key="datasets/deploy-test/plain.txt", Body=b"no SSE header")
    head = s3_client.head_object(Bucket=bucket, Key="datasets/deploy-test/plain.txt")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == deployed_stack.outputs["KmsKeyArn"]


def test_tls_only_policy_lets_endpoint_clients_through_as_tls_clients(deployed_stack) -> None:
    """The endpoint stands in for AWS's HTTPS endpoint: the deny for plain HTTP does not apply to it."""
    s3_client = deployed_stack.client("s3")
    bucket = deployed_stack.outputs["InferenceBucketName"]
    s3_client.put_object(Bucket=bucket, Key="uploads/deploy-test.txt", Body=b"x")
    assert s3_client.get_object(Bucket=bucket, Key="uploads/deploy-test.txt")["Body"].read() == b"x"


def test_tls_only_statements_drop_out_and_others_stay() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {SECURE_TRANSPORT: "false"}},
            },
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {SECURE_TRANSPORT: "true"}, "StringEquals": {"aws:SourceAccount": "1"}},
            },
            {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/locked/*"},
        ],
    }
    assert over_tls(policy)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "1"}},
        },
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/locked/*"},
    ]


# A stack built from the same constructs later features use, to cover every resource type the
# deployer handles: Lambda via the project's factory, queues with a DLQ, S3 -> SQS notifications,
# an event-source mapping, a table, a topic with a subscription, a parameter, a scheduled rule,
# a state machine with substitutions, a condition, an alarm and a dashboard.


def _coverage_stack(outdir: Path) -> StackArtifact:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Coverage")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.add_to_resource_policy(logs_key_statement())  # as the app's key: log groups are KMS-encrypted
    bucket = s3.Bucket(
        stack, "Uploads", encryption=s3.BucketEncryption.KMS, encryption_key=key, enforce_ssl=True
    )
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects("locked/*")],
        )
    )
    dlq = sqs.Queue(stack, "DeadLetters", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key)
    work = sqs.Queue(
        stack,
        "Work",
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=dlq),
        visibility_timeout=cdk.Duration.seconds(90),
    )
    bucket.add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.SqsDestination(work), s3.NotificationKeyFilter(prefix="uploads/")
    )
    table = dynamodb.Table(
        stack,
        "Results",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        time_to_live_attribute="expires",
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
    )
    function = PipelineFunction(
        stack,
        "Echo",
        module="detect",
        key=key,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        environment={"TABLE_NAME": table.table_name, "QUEUE_URL": work.queue_url},
        reserved_concurrency=2,
    )
    function.function.add_event_source(
        event_sources.SqsEventSource(work, batch_size=5, report_batch_item_failures=True)
    )
    table.grant_read_write_data(function.function)
    topic = sns.Topic(stack, "Topic", master_key=key)
    subscribed = sqs.Queue(stack, "Subscribed")
    topic.add_subscription(subscriptions.SqsSubscription(subscribed, raw_message_delivery=True))
    parameter = ssm.StringParameter(stack, "Champion", string_value="none")
    machine = sfn.StateMachine(
        stack,
        "Machine",
        definition_body=sfn.DefinitionBody.from_chainable(
            sfn.Pass(
                stack, "Start", parameters={"table": table.table_name, "parameter": parameter.parameter_name}
            ).next(tasks.LambdaInvoke(stack, "Invoke", lambda_function=function.function))
        ),
    )
    substituted = sfn.StateMachine(
        stack,
        "Substituted",
        definition_body=sfn.DefinitionBody.from_string(
            json.dumps(
                {
                    "StartAt": "Done",
                    "States": {"Done": {"Type": "Pass", "Result": "${TopicArn}", "End": True}},
                }
            )
        ),
        definition_substitutions={"TopicArn": topic.topic_arn},
    )
    rule = events.Rule(stack, "Every10Minutes", schedule=events.Schedule.rate(cdk.Duration.minutes(10)))
    rule.add_target(events_targets.SqsQueue(subscribed))
    rule.add_target(events_targets.SfnStateMachine(substituted))
    is_prod = cdk.CfnCondition(
        stack, "IsProd", expression=cdk.Fn.condition_equals(cdk.Aws.REGION, "eu-north-1")
    )
    prod_only = sqs.Queue(stack, "ProdOnly")
    prod_only.node.default_child.cfn_options.condition = is_prod
    alarm = cloudwatch.Alarm(
        stack,
        "Backlog",
        metric=dlq.metric_approximate_number_of_messages_visible(),
        threshold=1,
        evaluation_periods=1,
    )
    cloudwatch.Dashboard(stack, "Board").add_widgets(cloudwatch.AlarmWidget(alarm=alarm))
    for name, value in {
        "Bucket": bucket.bucket_name,
        "Machine": machine.state_machine_arn,
        "Function": function.function.function_name,
        "Table": table.table_name,
        "WorkUrl": work.queue_url,
        "SubscribedUrl": subscribed.queue_url,
        "Topic": topic.topic_arn,
        "Substituted": substituted.state_machine_arn,
        "Parameter": parameter.parameter_name,
    }.items():
        cdk.CfnOutput(stack, f"{name}Output", key=name, value=value)
    assembly = app.synth()
    return load_stack(Path(assembly.directory), "Coverage")


@pytest.fixture(scope="module")
def coverage(tmp_path_factory) -> Any:
    artifact = _coverage_stack(tmp_path_factory.mktemp("coverage"))
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        deployment = deploy_artifact(artifact, boto3.Session(region_name="us-east-1"))
        yield artifact, deployment


def test_coverage_stack_resources_are_all_accounted_for(coverage) -> None:
    artifact, deployment = coverage
    resources = artifact.template["Resources"]
    by_type = {lid: r["Type"] for lid, r in resources.items()}
    assert set(resources) == set(deployment.resources) | set(deployment.not_created)
    not_created_types = {by_type[lid] for lid in deployment.not_created if lid in by_type}
    assert not_created_types == {
        "AWS::CloudWatch::Dashboard",
        "AWS::SQS::Queue",
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
    }
    skipped_queue = [lid for lid in deployment.not_created if by_type.get(lid) == "AWS::SQS::Queue"]
    assert [deployment.not_created[lid] for lid in skipped_queue] == ["condition IsProd is false"]
    assert any(".Layers:" in note for note in deployment.ignored_properties)


def test_notification_provider_and_its_role_are_the_only_lambda_plumbing_dropped(coverage) -> None:
    artifact, deployment = coverage
    resources = artifact.template["Resources"]
    dropped = notification_providers(resources)
    assert {resources[lid]["Type"] for lid in dropped} == {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
    }
    assert all("NotificationsHandler" in lid for lid in dropped)
    assert len(deployment.of_type("AWS::Lambda::Function")) == 1


def test_an_unconditional_deny_in_a_bucket_policy_is_enforced(coverage) -> None:
    _, deployment = coverage
    s3_client = deployment.clients("s3")
    bucket = deployment.outputs["Bucket"]
    with pytest.raises(ClientError) as denied:
        s3_client.put_object(Bucket=bucket, Key="locked/secret.txt", Body=b"x")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    s3_client.put_object(Bucket=bucket, Key="open/fine.txt", Body=b"x")
    assert s3_client.head_object(Bucket=bucket, Key="open/fine.txt")["SSEKMSKeyId"].startswith("arn:aws:kms:")


def test_function_gets_its_handler_resolved_environment_and_concurrency(coverage) -> None:
    _, deployment = coverage
    outputs, lambda_ = deployment.outputs, deployment.clients("lambda")
    config = lambda_.get_function(FunctionName=outputs["Function"])
    assert config["Configuration"]["Handler"] == "handlers.detect.handler"
    assert config["Configuration"]["Runtime"] == "python3.13"
    variables = config["Configuration"]["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == outputs["Table"]
    assert variables["QUEUE_URL"] == outputs["WorkUrl"]
    assert config["Concurrency"]["ReservedConcurrentExecutions"] == 2
    mappings = lambda_.list_event_source_mappings(FunctionName=outputs["Function"])["EventSourceMappings"]
    assert [(m["BatchSize"], m["FunctionResponseTypes"]) for m in mappings] == [
        (5, ["ReportBatchItemFailures"])
    ]


def test_function_code_is_the_published_lambdas_asset(coverage) -> None:
    _artifact, deployment = coverage
    code = deployment.of_type("AWS::Lambda::Function")[0].properties["Code"]
    body = deployment.clients("s3").get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])["Body"].read()
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "handlers/detect.py" in names
    assert not any("__pycache__" in name for name in names)


def test_queue_redrive_policy_points_at_the_dead_letter_queue(coverage) -> None:
    _, deployment = coverage
    sqs_client = deployment.clients("sqs")
    attributes = sqs_client.get_queue_attributes(
        QueueUrl=deployment.outputs["WorkUrl"], AttributeNames=["All"]
    )
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    dlq = next(r for r in deployment.of_type("AWS::SQS::Queue") if "DeadLetters" in r.logical_id)
    assert redrive == {"deadLetterTargetArn": dlq.attributes["Arn"], "maxReceiveCount": 3}
    assert attributes["Attributes"]["VisibilityTimeout"] == "90"


def test_bucket_notification_custom_resource_is_applied(coverage) -> None:
    _, deployment = coverage
    s3_client = deployment.clients("s3")
    config = s3_client.get_bucket_notification_configuration(Bucket=deployment.outputs["Bucket"])
    [queue_config] = config["QueueConfigurations"]
    work = next(r for r in deployment.of_type("AWS::SQS::Queue") if r.ref == deployment.outputs["WorkUrl"])
    assert queue_config["QueueArn"] == work.attributes["Arn"]
    assert queue_config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]


def test_table_has_kms_encryption_ttl_and_point_in_time_recovery(coverage) -> None:
    _, deployment = coverage
    dynamodb_client = deployment.clients("dynamodb")
    table = dynamodb_client.describe_table(TableName=deployment.outputs["Table"])["Table"]
    assert table["SSEDescription"]["SSEType"] == "KMS"
    ttl = dynamodb_client.describe_time_to_live(TableName=deployment.outputs["Table"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires"
    backups = dynamodb_client.describe_continuous_backups(TableName=deployment.outputs["Table"])
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"


def test_topic_delivers_to_its_queue_subscription(coverage) -> None:
    _, deployment = coverage
    deployment.clients("sns").publish(TopicArn=deployment.outputs["Topic"], Message="hello")
    sqs_client = deployment.clients("sqs")
    messages = sqs_client.receive_message(
        QueueUrl=deployment.outputs["SubscribedUrl"], MaxNumberOfMessages=10
    )
    assert [m["Body"] for m in messages["Messages"]] == ["hello"]


def test_state_machine_definition_is_resolved_and_substituted(coverage) -> None:
    _, deployment = coverage
    sfn_client = deployment.clients("stepfunctions")
    definition = json.loads(
        sfn_client.describe_state_machine(stateMachineArn=deployment.outputs["Machine"])["definition"]
    )
    function_arn = deployment.clients("lambda").get_function(FunctionName=deployment.outputs["Function"])[
        "Configuration"
    ]["FunctionArn"]
    assert definition["States"]["Start"]["Parameters"]["table"] == deployment.outputs["Table"]
    assert definition["States"]["Invoke"]["Parameters"]["FunctionName"] == function_arn
    substituted = json.loads(
        sfn_client.describe_state_machine(stateMachineArn=deployment.outputs["Substituted"])["definition"]
    )
    assert substituted["States"]["Done"]["Result"] == deployment.outputs["Topic"]


def test_firing_a_scheduled_rule_reaches_every_target(coverage) -> None:
    _, deployment = coverage
    [rule] = deployment.scheduled()
    results = fire_rule(deployment, rule.logical_id)
    assert {r["Arn"].split(":")[2] for r in results} == {"sqs", "states"}
    sqs_client = deployment.clients("sqs")
    sqs_client.purge_queue(QueueUrl=deployment.outputs["SubscribedUrl"])
    fire_rule(deployment, rule.logical_id)
    [message] = sqs_client.receive_message(QueueUrl=deployment.outputs["SubscribedUrl"])["Messages"]
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [rule.attributes["Arn"]]
    execution = next(r for r in results if "ExecutionArn" in r)["ExecutionArn"]
    described = deployment.clients("stepfunctions").describe_execution(executionArn=execution)
    assert described["stateMachineArn"] == deployment.outputs["Substituted"]


def test_firing_something_that_is_not_a_rule_names_the_rules(coverage) -> None:
    _, deployment = coverage
    with pytest.raises(KeyError, match="Every10Minutes"):
        fire_rule(deployment, "NoSuchRule")


def _bare_deploy(template: dict[str, Any]) -> Deployment:
    with mock_aws():
        clients = Clients(boto3.Session(region_name="us-east-1"), None)
        return deploy(template, clients, stack_name=f"Bad{uuid.uuid4().hex[:8]}")


def test_unknown_resource_type_is_an_error_naming_it() -> None:
    template = {"Resources": {"Thing": {"Type": "AWS::EC2::Instance", "Properties": {}}}}
    with pytest.raises(TemplateError, match=r"Thing: resource type AWS::EC2::Instance is not supported"):
        _bare_deploy(template)


def test_unknown_property_is_an_error_naming_it() -> None:
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Colour": "blue"}}}}
    with pytest.raises(TemplateError, match=r"Q \(AWS::SQS::Queue\).*property Colour"):
        _bare_deploy(template)


def test_unknown_intrinsic_is_an_error_naming_it() -> None:
    template = {
        "Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Transmogrify": "x"}}}
        }
    }
    with pytest.raises(TemplateError, match=r"Fn::Transmogrify is not supported"):
        _bare_deploy(template)


def test_dependency_cycle_is_an_error_naming_the_resources() -> None:
    template = {
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"},
            "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}}},
        }
    }
    with pytest.raises(TemplateError, match=r"cycle: (A -> B -> A|B -> A -> B)"):
        _bare_deploy(template)
