"""The one way an approval decision reaches the training state machine: the approval function behind a
Lambda function URL with AuthType AWS_IAM (`customlabels approve|reject` signs its request with SigV4).

Lambda authorizes ``lambda:InvokeFunctionUrl`` (ApproverAccess grants it, conditioned on
``lambda:FunctionUrlAuthType`` = AWS_IAM) and hands the function the caller's verified ARN; the function
reads the task token from the tokens table, which no person's policy names, and answers the run.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from customlabels.promotion.settings import DecideApprovalSettings
from infra.config import Config
from infra.grants import On
from infra.role_policies import granted_function
from infra.storage import Storage


class ApprovalDecisions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        registry: dynamodb.ITable,
        approval_tokens: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = granted_function(
            self,
            "DecideApprovalFunction",
            module="decide_approval",
            config=config,
            storage=storage,
            targets={On.REGISTRY: registry.table_arn, On.APPROVAL_TOKENS: approval_tokens.table_arn},
            environment=DecideApprovalSettings(
                project_name=config.projectName,
                registry_table_name=registry.table_name,
                approval_tokens_table_name=approval_tokens.table_name,
            ).to_environment(),
        )
        self.url = self.function.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
