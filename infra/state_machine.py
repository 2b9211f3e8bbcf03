"""One PipelineStateMachine: every pipeline state machine is traced, logs to the stack's state-machine log
group, uses the app key only through the services named, and carries the cdk-nag reasons for what CDK
grants it (X-Ray and vended log delivery; each invoked function's versions and aliases)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.arns import regional_service
from infra.functions import PipelineFunction
from infra.nag import acknowledge, nag_text

KEY_USE = ["kms:Decrypt", "kms:GenerateDataKey*"]


class PipelineStateMachine(sfn.StateMachine):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition: sfn.IChainable,
        log_group: logs.ILogGroup,
        invoked: Sequence[PipelineFunction],
        name: str | None = None,
        include_execution_data: bool = True,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            state_machine_name=name,
            query_language=sfn.QueryLanguage.JSON_PATH,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=include_execution_data
            ),
        )
        acknowledge(
            self,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray trace segments (state-machine tracing) and Step Functions vended log delivery "
            "(logs:*LogDelivery, logs:*ResourcePolicy, logs:DescribeLogGroups) have no resource-level scope.",
        )
        for handler in invoked:
            arn = nag_text(self, handler.function.function_arn)
            acknowledge(
                self,
                f"AwsSolutions-IAM5[Resource::{arn}:*]",
                "Step Functions' lambda:invoke integration may call any version or alias of this one "
                "function (CDK grants <function ARN>:*); no other function is reachable.",
            )

    def use_key_through(self, key: kms.IKey, services: Sequence[str], why: str) -> None:
        """The machine's own key use (a Map's ItemReader/ResultWriter on SSE-KMS buckets), only through
        `services` (kms:ViaService)."""
        self.add_to_role_policy(
            iam.PolicyStatement(
                sid="UseKeyThrough" + "And".join(s.capitalize() for s in services),
                actions=KEY_USE,
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": [regional_service(s) for s in services]}},
            )
        )
        acknowledge(self, "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", why)
