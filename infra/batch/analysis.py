"""The BatchAnalysis construct: the batch functions, the named state machine and its grants."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.batch.functions import batch_functions
from infra.batch.machine import batch_definition
from infra.batch.machine_grants import grant_machine, machine_arn
from infra.config import Config
from infra.state_machine import PipelineStateMachine
from infra.storage import Storage
from infra.training.functions import Handlers


def batch_machine_name(scope: Construct) -> str:
    """Named, not generated: its own role and the detect function's can name it without a reference."""
    return f"{Stack.of(scope).stack_name}-BatchAnalysis"


def batch_machine_arn(scope: Construct) -> str:
    return machine_arn(scope, batch_machine_name(scope))


class BatchAnalysis(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        log_group: logs.ILogGroup,
        registry: dynamodb.ITable,
        results_table: dynamodb.ITable,
        model_control: Handlers,
        video_layer: lambda_.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions = batch_functions(
            self,
            config=config,
            storage=storage,
            registry=registry,
            results_table=results_table,
            video_layer=video_layer,
        )
        self.name = batch_machine_name(self)
        h = model_control
        self.state_machine = PipelineStateMachine(
            self,
            "StateMachine",
            definition=batch_definition(Construct(self, "Flow"), config, self.functions, h),
            log_group=log_group,
            name=self.name,
            invoked=[
                *self.functions.all(),
                h.start_model,
                h.check_model,
                h.stop_model,
            ],
        )
        grant_machine(self, self.state_machine, storage, self.functions, self.name)
