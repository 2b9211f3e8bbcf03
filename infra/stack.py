"""The stack: wires the constructs, names the outputs, and acknowledges cdk-nag findings with reasons."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, RemovalPolicy, Stack, Validations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import Config
from infra.permissions import UserPolicies
from infra.storage import Storage


class CustomLabelsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        removal = RemovalPolicy.DESTROY if config.removalPolicy == "destroy" else RemovalPolicy.RETAIN

        self.storage = Storage(self, "Storage", config=config)
        self.user_policies = UserPolicies(self, "UserPolicies", config=config, storage=self.storage)
        self.topic = sns.Topic(
            self,
            "Notifications",
            display_name=f"{config.projectName} Custom Labels pipeline",
            master_key=self.storage.key,
            enforce_ssl=True,
        )
        self.state_machine_logs = logs.LogGroup(
            self,
            "StateMachineLogs",
            encryption_key=self.storage.key,
            retention=logs.RetentionDays.SIX_MONTHS,
            removal_policy=removal,
        )

        # Feature constructs are wired below, one block each (training, inference, operations).

        self._output("ConsoleBucketName", self.storage.console_bucket.bucket_name)
        self._output("InferenceBucketName", self.storage.inference_bucket.bucket_name)
        self._output("KmsKeyArn", self.storage.key.key_arn)
        self._output("NotificationsTopicArn", self.topic.topic_arn)
        self._acknowledge_findings()

    def _output(self, name: str, value: str) -> None:
        CfnOutput(self, name, value=value, export_name=f"{self.stack_name}-{name}")

    def _acknowledge(self, scope: Construct, finding: str, reason: str) -> None:
        Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=reason))

    def objects_finding(self, bucket: s3.IBucket) -> str:
        """The IAM5 finding id cdk-nag raises for ``<bucket ARN>/*``."""
        logical_id = self.get_logical_id(bucket.node.default_child)
        return f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/*]"

    def _acknowledge_findings(self) -> None:
        storage = self.storage
        self._acknowledge(
            storage.access_logs,
            "AwsSolutions-S1",
            "This is the server-access-log destination of the console and inference buckets; "
            "logging it to itself would loop.",
        )
        policies = self.user_policies
        self._acknowledge(
            policies.console_access,
            "AwsSolutions-IAM5[Action::rekognition:*]",
            "Console users need every Custom Labels action the console calls (guide, console policy); "
            "the resource is narrowed to this project's ARNs.",
        )
        self._acknowledge(
            policies.console_access,
            "AwsSolutions-IAM5[Action::groundtruthlabeling:*]",
            "The guide's console policy grants Ground Truth labeling for the console's labeling jobs; "
            "these actions have no resource-level scope.",
        )
        self._acknowledge(
            policies.console_access,
            "AwsSolutions-IAM5[Resource::*]",
            "s3:ListAllMyBuckets, rekognition:DescribeProjects and groundtruthlabeling actions "
            "cannot be scoped to a resource.",
        )
        self._acknowledge(
            policies.sdk_access,
            "AwsSolutions-IAM5[Resource::*]",
            "rekognition:DescribeProjects lists projects account-wide and cannot be scoped to a resource.",
        )
        project_pattern = (
            "arn:<AWS::Partition>:rekognition:<AWS::Region>:<AWS::AccountId>"
            f":project/{self.config.projectName}"
        )
        for policy in (policies.console_access, policies.sdk_access):
            self._acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{project_pattern}/*]",
                "Project, dataset and model-version ARNs end in a creation timestamp unknown at deploy "
                "time; the pattern is this one project.",
            )
            self._acknowledge(
                policy,
                self.objects_finding(storage.console_bucket),
                "Datasets, validation results and training output are objects under this one bucket.",
            )
        self._acknowledge(
            policies.inference_only,
            f"AwsSolutions-IAM5[Resource::{project_pattern}/version/*]",
            "Model-version ARNs end in a creation timestamp; inference is allowed on this project's "
            "versions only.",
        )
