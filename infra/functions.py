"""One Lambda factory: every function shares the ``lambdas/`` asset and differs by handler module.

Each function gets its own role (no AWS managed policies), its own KMS-encrypted log group,
X-Ray active tracing and the pinned Powertools layer.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from customlabels.environment import PowertoolsSettings
from customlabels.naming import SERVICE_NAME
from infra.asset_paths import lambda_root
from infra.grants import PLUMBING
from infra.nag import RUNTIME_REASON, acknowledge
from infra.powertools import POWERTOOLS_LAYER_ARN

LAMBDA_ROOT = lambda_root()
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "*.egg-info"]
# Set by the project's pipeline (and production stack) on its scope: customlabels.naming.service_name_for.
SERVICE_CONTEXT = "customlabels:service"


def handler_path(module: str) -> str:
    return f"handlers.{module}.handler"


class PipelineFunction(Construct):
    """A Lambda running ``handlers/<module>.py`` with least-privilege plumbing around it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        module: str,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        environment: dict[str, str] | None = None,
        timeout_seconds: int = 60,
        memory_size: int = 512,
        ephemeral_storage_mib: int = 512,
        reserved_concurrency: int | None = None,
        layers: list[lambda_.ILayerVersion] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.module = module
        own_logs, tracing = PLUMBING
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=removal_policy,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs handlers/{module}.py",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid=own_logs.sid, actions=list(own_logs.actions), resources=[self.log_group.log_group_arn]
            )
        )
        acknowledge(self, "AwsSolutions-IAM5[Resource::*]", tracing.why)
        acknowledge(self, "AwsSolutions-L1", RUNTIME_REASON)
        powertools = lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", POWERTOOLS_LAYER_ARN)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_13,
            code=lambda_.Code.from_asset(str(LAMBDA_ROOT), exclude=ASSET_EXCLUDES),
            handler=handler_path(module),
            role=self.role,
            log_group=self.log_group,
            layers=[powertools, *(layers or [])],
            tracing=lambda_.Tracing.ACTIVE,
            timeout=Duration.seconds(timeout_seconds),
            memory_size=memory_size,
            ephemeral_storage_size=Size.mebibytes(ephemeral_storage_mib),
            reserved_concurrent_executions=reserved_concurrency,
            environment={
                **PowertoolsSettings(
                    powertools_service_name=self.node.try_get_context(SERVICE_CONTEXT) or SERVICE_NAME
                ).to_environment(),
                **(environment or {}),
            },
        )
