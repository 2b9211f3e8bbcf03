"""CustomLabelsProduction: the production account's stack. Its own key, buckets, registry and inference
path (the constructs the training stack uses) plus the promotion state machine."""

from __future__ import annotations

from dataclasses import replace

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.naming import (
    PRODUCTION_STACK_NAME,  # noqa: F401 (infra.state_diagrams imports it here)
    service_name_for,
)
from infra.arns import regional_service
from infra.config import Config
from infra.functions import SERVICE_CONTEXT
from infra.inference import Inference
from infra.nag import acknowledge, nag_text
from infra.notifications import TOPIC_KEY_USE, notifications_topic
from infra.production.functions import promotion_functions
from infra.production.promotion_machine import promotion_definition
from infra.production.sharing import (
    promotion_machine_name,
    starter_role_name,
    training_machine_role_arn,
)
from infra.storage import Storage

MAX_SUFFIX = 21


def production_config(config: Config) -> Config:
    """The training stack's settings, with a console bucket name of its own (bucket names are global)."""
    suffix = config.consoleBucketSuffix
    return replace(config, consoleBucketSuffix=f"{suffix[: MAX_SUFFIX - 5]}-prod" if suffix else "")


class CustomLabelsProductionStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, training_account: str, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.node.set_context(SERVICE_CONTEXT, service_name_for(config.projectName))
        self.config = config = production_config(config)
        project = config.projectName
        source_prefix = f"arn:{Aws.PARTITION}:rekognition:{Aws.REGION}:{training_account}:project/{project}/"

        self.storage = Storage(self, "Storage", config=config)
        self.topic = notifications_topic(self, self.storage, project)
        log_group = self.storage.log_group(self, "StateMachineLogs", logs.RetentionDays.SIX_MONTHS)
        self.registry = self.storage.secure_table(self, "Registry", partition_key="project", sort_key="sk")
        functions = Construct(self, "Promotion")
        self.handlers = promotion_functions(
            functions,
            config=config,
            storage=self.storage,
            registry=self.registry,
            source_versions=f"{source_prefix}version/*",
        )
        definition = promotion_definition(
            Construct(functions, "Machine"),
            config=config,
            handlers=self.handlers,
            topic=self.topic,
            source_project_prefix=source_prefix,
        )
        self.promotion_state_machine = self._state_machine(functions, definition, log_group)
        self.starter_role = self._starter_role(training_account)
        self.inference = Inference(
            self, "Inference", config=config, storage=self.storage, topic=self.topic, registry=self.registry
        )

        self._output("PromotionStateMachineArn", self.promotion_state_machine.state_machine_arn)
        self._output("PromotionRoleArn", self.handlers.copy_model.role.role_arn)
        self._output("PromotionStarterRoleArn", self.starter_role.role_arn)
        self._output("ProductionRegistryTableName", self.registry.table_name)
        self._output("ProductionProjectName", project)
        self._output("ProductionConsoleBucketName", self.storage.console_bucket.bucket_name)
        self._output("ProductionInferenceBucketName", self.storage.inference_bucket.bucket_name)
        self._output("ProductionInferenceQueueUrl", self.inference.queue.queue_url)
        self._output("ProductionDeadLetterQueueUrl", self.inference.dead_letter_queue.queue_url)
        self._output("ProductionResultsTableName", self.inference.results_table.table_name)
        self._output("ProductionKmsKeyArn", self.storage.key.key_arn)
        self._output("ProductionNotificationsTopicArn", self.topic.topic_arn)

    def _state_machine(
        self, scope: Construct, definition: sfn.IChainable, log_group: logs.ILogGroup
    ) -> sfn.StateMachine:
        """Traced and logged like the training stack's machines; uses the key only through SNS."""
        machine = sfn.StateMachine(
            scope,
            "PromotionStateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            # The training machine starts it by ARN (promoteAfterApproval): a fixed name.
            state_machine_name=promotion_machine_name(self.config.projectName),
            query_language=sfn.QueryLanguage.JSON_PATH,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="PublishToEncryptedTopic",
                actions=TOPIC_KEY_USE,
                resources=[self.storage.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": [regional_service("sns")]}},
            )
        )
        acknowledge(
            machine,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Notify* states publish to the topic encrypted with the app key; the key is usable only "
            "through SNS (kms:ViaService).",
        )
        acknowledge(
            machine,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray trace segments (state-machine tracing) and Step Functions vended log delivery "
            "(logs:*LogDelivery, logs:*ResourcePolicy, logs:DescribeLogGroups) have no resource-level scope.",
        )
        for handler in self.handlers.all():
            acknowledge(
                machine,
                f"AwsSolutions-IAM5[Resource::{nag_text(self, handler.function.function_arn)}:*]",
                "Step Functions' lambda:invoke integration may call any version or alias of this one "
                "function (CDK grants <function ARN>:*); no other function is reachable.",
            )
        return machine

    def _starter_role(self, training_account: str) -> iam.Role:
        """The role the training state machine assumes (StartProductionPromotion, promoteAfterApproval).
        It trusts the training account only for that machine's role (fixed name: this stack is deployed
        first, so the trust cannot name a role that does not exist yet) and may only start this machine."""
        role = iam.Role(
            self,
            "PromotionStarterRole",
            role_name=starter_role_name(self.config.projectName),
            assumed_by=iam.AccountPrincipal(training_account).with_conditions(
                {
                    "ArnEquals": {
                        "aws:PrincipalArn": training_machine_role_arn(
                            training_account, self.config.projectName
                        )
                    }
                }
            ),
            description="The training account's training state machine starts the promotion after approval",
        )
        self.promotion_state_machine.grant_start_execution(role)
        return role

    def _output(self, name: str, value: str) -> None:
        CfnOutput(self, name, value=value, export_name=f"{self.stack_name}-{name}")
