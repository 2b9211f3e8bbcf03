"""Training pipeline: its Lambdas, the model registry, the training and the model-control state machines."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from customlabels.promotion.approval_tokens import KEY as TOKEN_KEY
from customlabels.promotion.approval_tokens import TTL_ATTRIBUTE
from infra.config import Config
from infra.promotion.sharing import starter_role_arn, training_machine_role_name
from infra.state_machine import PipelineStateMachine
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
        invoked = self.handlers.all()
        self.training_state_machine = PipelineStateMachine(
            self,
            "TrainingStateMachine",
            definition=training,
            log_group=log_group,
            invoked=invoked,
            include_execution_data=False,
        )
        if config.productionAccount:
            self._may_start_production_promotion(config.productionAccount, config.projectName)
        control = control_definition(Construct(self, "ModelControl"), config=config, handlers=self.handlers)
        self.control_state_machine = PipelineStateMachine(
            self, "ModelControlStateMachine", definition=control, log_group=log_group, invoked=invoked
        )

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
