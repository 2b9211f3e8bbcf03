"""Training pipeline: its Lambdas, the model registry, the training and the model-control state machines."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.promotion.approval_tokens import KEY as TOKEN_KEY
from customlabels.promotion.approval_tokens import TTL_ATTRIBUTE
from infra.arns import regional_service
from infra.config import Config
from infra.nag import acknowledge, nag_text
from infra.notifications import TOPIC_KEY_USE
from infra.production.sharing import starter_role_arn, training_machine_role_name
from infra.storage import Storage
from infra.training.approval_decisions import ApprovalDecisions
from infra.training.control_machine import control_definition
from infra.training.functions import training_functions
from infra.training.training_machine import training_definition


class TrainingPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        log_group: logs.ILogGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        self.storage = storage
        self.registry = storage.secure_table(self, "Registry", partition_key="project", sort_key="sk")
        self.approval_tokens = storage.secure_table(
            self, "ApprovalTokens", partition_key=TOKEN_KEY, ttl_attribute=TTL_ATTRIBUTE
        )
        self.handlers = training_functions(
            self,
            config=config,
            storage=storage,
            registry=self.registry,
            approval_tokens=self.approval_tokens,
            topic=topic,
        )
        training = training_definition(
            Construct(self, "Training"),
            config=config,
            handlers=self.handlers,
            topic=topic,
            console_bucket_name=storage.console_bucket.bucket_name,
        )
        self.approvals = ApprovalDecisions(
            self,
            "Approvals",
            config=config,
            storage=storage,
            registry=self.registry,
            approval_tokens=self.approval_tokens,
        )
        # The training machine's states carry the approval task token (RequestApproval's parameters):
        # its log events leave execution data out; the control machine's carry none and keep it.
        self.training_state_machine = self._state_machine(
            "TrainingStateMachine", training, log_group, include_execution_data=False
        )
        if config.productionAccount:
            self._may_start_production_promotion(config.productionAccount, config.projectName)
        control = control_definition(
            Construct(self, "ModelControl"), config=config, handlers=self.handlers, topic=topic
        )
        self.control_state_machine = self._state_machine("ModelControlStateMachine", control, log_group)

    def _may_start_production_promotion(self, production_account: str, project_name: str) -> None:
        """StartProductionPromotion runs as the production starter role: the training machine may assume
        that one role, and its own role has the fixed name the starter role's trust policy names."""
        machine = self.training_state_machine
        machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="AssumeProductionStarterRole",
                actions=["sts:AssumeRole"],
                resources=[starter_role_arn(production_account, project_name)],
            )
        )
        role = machine.role.node.default_child
        assert isinstance(role, iam.CfnRole)
        role.role_name = training_machine_role_name(project_name)

    def _state_machine(
        self,
        construct_id: str,
        definition: sfn.IChainable,
        log_group: logs.ILogGroup,
        include_execution_data: bool = True,
    ) -> sfn.StateMachine:
        machine = sfn.StateMachine(
            self,
            construct_id,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            query_language=sfn.QueryLanguage.JSON_PATH,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=include_execution_data
            ),
        )
        reason = (
            "Notify* states publish to the topic encrypted with the app key; the key is usable only "
            "through SNS (kms:ViaService)."
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="PublishToEncryptedTopic",
                actions=TOPIC_KEY_USE,
                resources=[self.storage.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": [regional_service("sns")]}},
            )
        )
        acknowledge(machine, "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", reason)
        acknowledge(
            machine,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray trace segments (state-machine tracing) and Step Functions vended log delivery "
            "(logs:*LogDelivery, logs:*ResourcePolicy, logs:DescribeLogGroups) have no resource-level scope.",
        )
        for handler in self.handlers.all():
            arn = nag_text(self, handler.function.function_arn)
            acknowledge(
                machine,
                f"AwsSolutions-IAM5[Resource::{arn}:*]",
                "Step Functions' lambda:invoke integration may call any version or alias of this one "
                "function (CDK grants <function ARN>:*); no other function is reachable.",
            )
        return machine
