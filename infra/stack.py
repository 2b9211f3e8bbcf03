"""The stack: wires the constructs and names the outputs."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.batch import BatchAnalysis, batch_machine_arn
from infra.config import Config
from infra.feedback import FeedbackRetraining
from infra.inference import Inference
from infra.monitoring import DriftMonitoring, monitoring_rows
from infra.notifications import notifications_topic
from infra.operations import Operations
from infra.operator_access import operator_rows
from infra.permissions import UserPolicies
from infra.shadow import ShadowTests
from infra.storage import Storage
from infra.training import TrainingPipeline


class CustomLabelsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config

        self.storage = Storage(self, "Storage", config=config)
        self.user_policies = UserPolicies(self, "UserPolicies", config=config, storage=self.storage)
        self.topic = notifications_topic(self, self.storage, config.projectName)
        self.state_machine_logs = self.storage.log_group(
            self, "StateMachineLogs", logs.RetentionDays.SIX_MONTHS
        )

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
            topic=self.topic,
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
        self.user_policies.add_reviewer_access(config, self.storage, self.training.registry)
        self.user_policies.add_approver_access(config, self.training.approvals.function.function)
        self._output("ApprovalUrl", self.training.approvals.url.url)
        self.user_policies.add_pipeline_guards(config.projectName)

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

        # Monitoring: the champion's inputs against its test set, on a schedule; alarm and dashboard row.
        self.monitoring = DriftMonitoring(
            self,
            "Monitoring",
            config=config,
            storage=self.storage,
            topic=self.topic,
            registry=self.training.registry,
            results_table=self.inference.results_table,
            rule_dead_letters=self.operations.rule_dead_letters,
        )
        self.monitoring.add_to(self.operations.dashboard)
        self._output("DriftCheckFunctionName", self.monitoring.check.function.function_name)
        self._output("DriftAlarmName", self.monitoring.alarm.alarm_name)
        self.shadow = ShadowTests(
            self,
            "Shadow",
            config=config,
            storage=self.storage,
            topic=self.topic,
            registry=self.training.registry,
            results_table=self.inference.results_table,
            rule_dead_letters=self.operations.rule_dead_letters,
        )
        self._output("ShadowControlFunctionName", self.shadow.control.function.function_name)
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
            + monitoring_rows(self.storage, self.monitoring, self.shadow),
            self.storage,
        )

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
        CfnOutput(self, name, value=value, export_name=f"{self.stack_name}-{name}")


def _or_off(value: float | None) -> str:
    """A nullable feedback setting as a stack output: ``off`` when not set."""
    return "off" if value is None else f"{value:g}"
