"""CustomLabelsProduction: the production account's stack. Its own key, buckets, registry and inference
path (the constructs the training stack uses) plus the promotion state machine."""

from __future__ import annotations

from dataclasses import replace

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from customlabels.naming import (
    PRODUCTION_STACK_NAME,  # noqa: F401 (infra.state_diagrams imports it here)
    service_name_for,
)
from infra.config import Config
from infra.execution_ends import ExecutionEnds
from infra.functions import SERVICE_CONTEXT
from infra.inference import Inference
from infra.notifications import notifications_topic, rule_dead_letter_queue
from infra.promotion.functions import promotion_functions
from infra.promotion.promotion_machine import promotion_definition
from infra.promotion.sharing import (
    promotion_machine_name,
    starter_role_name,
    training_machine_role_arn,
)
from infra.state_machine import PipelineStateMachine
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
            source_project_prefix=source_prefix,
        )
        self.promotion_state_machine = PipelineStateMachine(
            functions,
            "PromotionStateMachine",
            definition=definition,
            log_group=log_group,
            invoked=self.handlers.all(),
            # The training machine starts it by ARN (promoteAfterApproval): a fixed name.
            name=promotion_machine_name(project),
        )
        self.execution_ends = ExecutionEnds(
            self,
            "ExecutionEnds",
            config=config,
            storage=self.storage,
            topic=self.topic,
            machines={"promotion": self.promotion_state_machine},
            dead_letter_queue=rule_dead_letter_queue(self, self.storage),
        )
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
