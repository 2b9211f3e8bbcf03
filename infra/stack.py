"""The stack: wires the constructs, names the outputs, and acknowledges cdk-nag findings with reasons."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, RemovalPolicy, Stack, Validations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import Config
from infra.inference import Inference
from infra.operations import Operations
from infra.permissions import UserPolicies
from infra.storage import Storage
from infra.training import TrainingPipeline


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

        # Training pipeline: Lambdas, model registry, training and model-control state machines.
        self.training = TrainingPipeline(
            self,
            "Training",
            config=config,
            storage=self.storage,
            topic=self.topic,
            log_group=self.state_machine_logs,
            removal_policy=removal,
        )
        self._output("TrainingStateMachineArn", self.training.training_state_machine.state_machine_arn)
        self._output("ModelControlStateMachineArn", self.training.control_state_machine.state_machine_arn)
        self._output("RegistryTableName", self.training.registry.table_name)
        self._acknowledge_training_findings()

        # Inference on upload: uploads/ -> SQS (+ DLQ, alarm) -> detect Lambda -> results/ + results table.
        self.inference = Inference(
            self,
            "Inference",
            config=config,
            storage=self.storage,
            topic=self.topic,
            registry=self.training.registry,
        )
        self._output("InferenceQueueUrl", self.inference.queue.queue_url)
        self._output("DeadLetterQueueUrl", self.inference.dead_letter_queue.queue_url)
        self._output("ResultsTableName", self.inference.results_table.table_name)
        self._acknowledge_inference_findings()

        # Operations: idle / running-hours guard on a schedule, alarms, training-end notifications, dashboard.
        self.operations = Operations(
            self,
            "Operations",
            config=config,
            storage=self.storage,
            topic=self.topic,
            training_state_machine=self.training.training_state_machine,
            queue=self.inference.queue,
            dead_letter_queue=self.inference.dead_letter_queue,
            detect_function=self.inference.detect.function,
            registry=self.training.registry,
            other_alarms=[self.inference.dead_letter_alarm],
        )
        self._output("IdleGuardFunctionName", self.operations.guard.function.function_name)
        self._acknowledge_operations_findings()

        self._output("ProjectName", config.projectName)
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

    def _acknowledge_training_findings(self) -> None:
        training = self.training
        self._acknowledge(
            training,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray trace segments (Lambda active tracing, state-machine tracing), Step Functions vended log "
            "delivery and rekognition:DescribeProjects have no resource-level scope.",
        )
        self._acknowledge(
            training,
            "AwsSolutions-L1",
            "The lambdas/ asset is built and tested for Python 3.13 with the pinned Powertools 3.37.0 layer; "
            "the runtime moves when that layer and the tests do.",
        )
        self._acknowledge(
            training,
            self.objects_finding(self.storage.console_bucket),
            "Manifests and the images they reference may sit anywhere in the console bucket; the validation, "
            "dataset and train tasks only read (s3:GetObject) this one bucket.",
        )
        bucket_arn = f"<{self.get_logical_id(self.storage.console_bucket.node.default_child)}.Arn>"
        for prefix, reason in (
            (
                "validation",
                "Manifest validation writes one result set per execution under validation/<project>/.",
            ),
            (
                "training-output",
                "CreateProjectVersion writes training and evaluation results under "
                "training-output/<project>/<version>/; the tasks read them back.",
            ),
        ):
            self._acknowledge(training, f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}/*]", reason)
        project_pattern = (
            "arn:<AWS::Partition>:rekognition:<AWS::Region>:<AWS::AccountId>:project/"
            f"{self.config.projectName}"
        )
        self._acknowledge(
            training,
            f"AwsSolutions-IAM5[Resource::{project_pattern}/*]",
            "Project, dataset and model-version ARNs end in a creation timestamp unknown at deploy time; "
            "each task's actions are limited to this one project.",
        )
        for handler in training.handlers.all():
            logical_id = self.get_logical_id(handler.function.node.default_child)
            self._acknowledge(
                training,
                f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]",
                "Step Functions' lambda:invoke integration may call any version or alias of this one "
                "function (CDK grants <function ARN>:*); no other function is reachable.",
            )

    def _acknowledge_inference_findings(self) -> None:
        detect = self.inference.detect
        bucket_arn = f"<{self.get_logical_id(self.storage.inference_bucket.node.default_child)}.Arn>"
        project_pattern = (
            "arn:<AWS::Partition>:rekognition:<AWS::Region>:<AWS::AccountId>:project/"
            f"{self.config.projectName}"
        )
        self._acknowledge(
            detect,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level "
            "scope; every other statement of the detect role names its bucket prefix, table, key or queue.",
        )
        self._acknowledge(
            detect,
            f"AwsSolutions-IAM5[Resource::{bucket_arn}/uploads/*]",
            "The detect function reads (s3:GetObject/GetObjectVersion) whatever image a user uploads under "
            "uploads/ of the inference bucket; keys are user-chosen.",
        )
        self._acknowledge(
            detect,
            f"AwsSolutions-IAM5[Resource::{bucket_arn}/results/*]",
            "Results mirror the upload's key under results/ (results/<key>.json or .error.json); only "
            "s3:PutObject is granted there.",
        )
        self._acknowledge(
            detect,
            f"AwsSolutions-IAM5[Resource::{project_pattern}/version/*]",
            "The champion changes with every promotion and model-version ARNs end in a creation timestamp; "
            "DetectCustomLabels (and StartProjectVersion with onModelStopped=start) stay on this project.",
        )
        self._acknowledge(
            detect,
            "AwsSolutions-L1",
            "The lambdas/ asset is built and tested for Python 3.13 with the pinned Powertools 3.37.0 layer; "
            "the runtime moves when that layer and the tests do.",
        )
        notifications_handler = next(
            child for child in self.node.children if child.node.id.startswith("BucketNotificationsHandler")
        )
        self._acknowledge(
            notifications_handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's singleton bucket-notifications custom resource applies the uploads/ notification at "
            "deploy time; its role and managed logging policy are fixed by aws-cdk-lib.",
        )

    def _acknowledge_operations_findings(self) -> None:
        guard = self.operations.guard
        self._acknowledge(
            guard,
            "AwsSolutions-IAM5[Resource::*]",
            "The idle guard reads its metrics with cloudwatch:GetMetricData and lists projects with "
            "rekognition:DescribeProjects; neither action has resource-level scope. X-Ray tracing likewise.",
        )
        self._acknowledge(
            guard,
            "AwsSolutions-L1",
            "The lambdas/ asset is built and tested for Python 3.13 with the pinned Powertools 3.37.0 layer; "
            "the runtime moves when that layer and the tests do.",
        )
        project_pattern = (
            "arn:<AWS::Partition>:rekognition:<AWS::Region>:<AWS::AccountId>"
            f":project/{self.config.projectName}"
        )
        self._acknowledge(
            guard,
            f"AwsSolutions-IAM5[Resource::{project_pattern}/*]",
            "DescribeProjectVersions takes the project ARN, which ends in a creation timestamp unknown at "
            "deploy time; the pattern is this one project.",
        )
        self._acknowledge(
            guard,
            f"AwsSolutions-IAM5[Resource::{project_pattern}/version/*]",
            "The guard stops whichever model version of this project is running; version ARNs end in a "
            "creation timestamp unknown at deploy time.",
        )
