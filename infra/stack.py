"""The pipeline as one construct (``CustomLabelsPipeline``: wires the constructs and names the outputs),
and the repository app's stack, which holds it and nothing else."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import Environment as CdkEnvironment
from aws_cdk import aws_logs as logs
from constructs import Construct

from customlabels.naming import service_name_for
from infra.batch import BatchAnalysis, batch_machine_arn
from infra.config import Config, ConfigError, validated
from infra.feedback import FeedbackRetraining
from infra.functions import SERVICE_CONTEXT
from infra.inference import Inference
from infra.monitoring import DriftMonitoring, monitoring_rows
from infra.notifications import notifications_topic
from infra.operations import Operations
from infra.operator_access import operator_rows, result_document_rows
from infra.permissions import UserPolicies
from infra.shadow import ShadowTests
from infra.storage import Storage
from infra.training import TrainingPipeline

# The CDK feature flags the pipeline is built and tested with (cdk.json sets the same for the app).
FEATURE_FLAGS = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-kms:applyImportedAliasPermissionsToPrincipal": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/aws-stepfunctions-tasks:useNewS3UriParametersForBedrockInvokeModelTask": True,
}


class CustomLabelsPipeline(Construct):
    """One Custom Labels project's pipeline, added to any stack: ``CustomLabelsPipeline(stack, "Pipeline",
    props=CustomLabelsPipelineProps(projectName="defects"))``. One per stack: its batch machine and
    output exports are named after the stack."""

    def __init__(self, scope: Construct, construct_id: str, *, props: Config | None = None) -> None:
        config = validated(props or Config())
        _refuse_second_pipeline(scope)
        super().__init__(scope, construct_id)
        for flag, value in FEATURE_FLAGS.items():  # the same constructs in any app, whatever its flags
            self.node.set_context(flag, value)
        self.node.set_context(SERVICE_CONTEXT, service_name_for(config.projectName))
        self.config = config

        self.storage = Storage(self, "Storage", config=config)
        self.user_policies = UserPolicies(self, "UserPolicies", config=config, storage=self.storage)
        self.topic = notifications_topic(self, self.storage, config.projectName)
        six_months = logs.RetentionDays.SIX_MONTHS
        self.state_machine_logs = self.storage.log_group(self, "StateMachineLogs", six_months)

        # Training pipeline: Lambdas, model registry, training and model-control state machines.
        self.training = TrainingPipeline(
            self,
            "Training",
            config=config,
            storage=self.storage,
            topic=self.topic,
            log_group=self.state_machine_logs,
        )
        self._output("TrainingStateMachineArn", self.training.training_state_machine.state_machine_arn)
        self._output("ModelControlStateMachineArn", self.training.control_state_machine.state_machine_arn)
        self._output("RegistryTableName", self.training.registry.table_name)

        # Inference on upload: uploads/ -> SQS (+ DLQ, alarm) -> detect Lambda -> results/ + results table.
        self.inference = Inference(
            self,
            "Inference",
            config=config,
            storage=self.storage,
            topic=self.topic,
            registry=self.training.registry,
            batch_machine_arn=batch_machine_arn(self),
        )
        self._output("InferenceQueueUrl", self.inference.queue.queue_url)
        self._output("DeadLetterQueueUrl", self.inference.dead_letter_queue.queue_url)
        self._output("ResultsTableName", self.inference.results_table.table_name)

        # Batch analysis: a prefix or manifest through a Distributed Map, same analyser as uploads.
        self.batch = BatchAnalysis(
            self,
            "Batch",
            config=config,
            storage=self.storage,
            log_group=self.state_machine_logs,
            registry=self.training.registry,
            results_table=self.inference.results_table,
            model_control=self.training.handlers,
            video_layer=self.inference.video_layer,
        )
        self._output("BatchAnalysisStateMachineArn", self.batch.state_machine.state_machine_arn)

        # Feedback: an import record of corrected labels starts the training pipeline (retrainAfterImages).
        self.feedback = FeedbackRetraining(
            self,
            "Feedback",
            config=config,
            storage=self.storage,
            registry=self.training.registry,
            training_state_machine=self.training.training_state_machine,
        )
        self.operations = self._operations(config)
        self._output("IdleGuardFunctionName", self.operations.guard.function.function_name)
        self.monitoring, self.shadow = self._monitoring(config)
        self._add_person_access(config)

        self._add_settings_outputs(config)

    def _operations(self, config: Config) -> Operations:
        """The idle / running-hours guard, alarms, one notice per execution end, the dashboard."""
        return Operations(
            self,
            "Operations",
            config=config,
            storage=self.storage,
            topic=self.topic,
            training_state_machine=self.training.training_state_machine,
            machines={
                "training": self.training.training_state_machine,
                "model control": self.training.control_state_machine,
                "batch analysis": self.batch.state_machine,
            },
            queue=self.inference.queue,
            dead_letter_queue=self.inference.dead_letter_queue,
            detect_function=self.inference.detect.function,
            registry=self.training.registry,
            other_alarms=[self.inference.dead_letter_alarm],
        )

    def _add_person_access(self, config: Config) -> None:
        """The managed policies people are given: reviewer, approver, operator, and the pipeline's guards."""
        self.user_policies.add_reviewer_access(config, self.storage, self.training.registry)
        self.user_policies.add_approver_access(config, self.training.approvals.function.function)
        self.user_policies.add_pipeline_guards(config.projectName)
        self.user_policies.add_operator_access(
            operator_rows(
                self,
                config,
                self.storage,
                self.training.registry,
                [
                    self.training.training_state_machine,
                    self.training.control_state_machine,
                    self.batch.state_machine,
                ],
            )
            + monitoring_rows(self.storage, self.monitoring, self.shadow)
            + result_document_rows(self.inference.results_table),
            self.storage,
        )
        self._output("ApprovalUrl", self.training.approvals.url.url)

    def _monitoring(self, config: Config) -> tuple[DriftMonitoring, ShadowTests]:
        """The drift check of the champion on a schedule (alarm, dashboard row), and shadow tests."""
        monitoring = DriftMonitoring(
            self,
            "Monitoring",
            config=config,
            storage=self.storage,
            topic=self.topic,
            registry=self.training.registry,
            results_table=self.inference.results_table,
            rule_dead_letters=self.operations.rule_dead_letters,
        )
        monitoring.add_to(self.operations.dashboard)
        self._output("DriftCheckFunctionName", monitoring.check.function.function_name)
        self._output("DriftAlarmName", monitoring.alarm.alarm_name)
        shadow = ShadowTests(
            self,
            "Shadow",
            config=config,
            storage=self.storage,
            topic=self.topic,
            registry=self.training.registry,
            results_table=self.inference.results_table,
            rule_dead_letters=self.operations.rule_dead_letters,
        )
        self._output("ShadowControlFunctionName", shadow.control.function.function_name)
        return monitoring, shadow

    def _add_settings_outputs(self, config: Config) -> None:
        """What the CLI reads from the stack: its settings, buckets, key, topic and people's policies."""
        self._output("ProjectName", config.projectName)
        self._output("OnModelStopped", config.onModelStopped)
        self._output("ReviewBelowConfidence", _or_off(config.reviewBelowConfidence))
        self._output("RetrainAfterImages", _or_off(config.retrainAfterImages))
        self._output("ConsoleBucketName", self.storage.console_bucket.bucket_name)
        self._output("InferenceBucketName", self.storage.inference_bucket.bucket_name)
        self._output("KmsKeyArn", self.storage.key.key_arn)
        self._output("NotificationsTopicArn", self.topic.topic_arn)
        policies = self.user_policies
        self._output("ConsoleAccessPolicyArn", policies.console_access.managed_policy_arn)
        self._output("SdkAccessPolicyArn", policies.sdk_access.managed_policy_arn)
        self._output("InferenceOnlyPolicyArn", policies.inference_only.managed_policy_arn)
        self._output("ReviewerAccessPolicyArn", policies.reviewer_access.managed_policy_arn)
        self._output("ApproverAccessPolicyArn", policies.approver_access.managed_policy_arn)
        self._output("OperatorAccessPolicyArn", policies.operator_access.managed_policy_arn)

    def _output(self, name: str, value: str) -> None:
        """Named as in the app's stack wherever the construct is, so the CLI finds a pipeline by them."""
        output = CfnOutput(self, name, value=value, export_name=f"{Stack.of(self).stack_name}-{name}")
        output.override_logical_id(name)


def _refuse_second_pipeline(scope: Construct) -> None:
    stack = Stack.of(scope)
    if any(isinstance(child, CustomLabelsPipeline) for child in stack.node.find_all()):
        raise ConfigError(
            f"stack {stack.stack_name} already holds a CustomLabelsPipeline; its batch machine and output "
            "exports are named after the stack, so add each further project's pipeline to a stack of its own"
        )


class CustomLabelsStack(Stack):
    """This repository's app: a stack per project holding its pipeline. The pipeline's id ``Default`` adds
    nothing to the logical ids, so a stack deployed before the construct existed updates in place."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, env: CdkEnvironment | None = None
    ) -> None:
        super().__init__(scope, construct_id, env=env)
        self.pipeline = pipeline = CustomLabelsPipeline(self, "Default", props=config)
        self.config = pipeline.config
        self.storage, self.topic = pipeline.storage, pipeline.topic
        self.user_policies = pipeline.user_policies
        self.training, self.inference, self.batch = pipeline.training, pipeline.inference, pipeline.batch
        self.feedback, self.operations = pipeline.feedback, pipeline.operations


def _or_off(value: float | None) -> str:
    """A nullable feedback setting as a stack output: ``off`` when not set."""
    return "off" if value is None else f"{value:g}"
