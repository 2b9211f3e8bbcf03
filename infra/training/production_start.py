"""promoteAfterApproval: once a person approves, the training state machine starts the production account's
promotion state machine itself (a cross-account Step Functions task, `Credentials.RoleArn`).

  PromoteAfterApproval? -> StartProductionPromotion (as the production starter role) -> `then`
  a refused start (no trust, no grant, no machine) -> the failure tail, named PromotionNotStarted

Fire-and-forget: the promotion publishes its own end to the production topic; the training run keeps the
promotion's execution ARN at $.productionPromotion (and in its summary).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.training.contract import Failure
from infra.config import Config
from infra.promotion.sharing import promotion_machine_arn, starter_role_arn
from infra.training.flow import Flow

RESULT_PATH = "$.productionPromotion"
STATE = "StartProductionPromotion"


def promotion_request(config: Config) -> dict:
    """The state's JSON: what `customlabels promote --to production VERSION` sends, from the run's state."""
    assert config.productionAccount
    region = config.productionRegion or Aws.REGION
    return {
        "Type": "Task",
        "Comment": "Starts the production promotion as the production account's starter role",
        "Resource": f"arn:{Aws.PARTITION}:states:::states:startExecution",
        "Credentials": {"RoleArn": starter_role_arn(config.productionAccount, config.projectName)},
        "Parameters": {
            "StateMachineArn": promotion_machine_arn(config.productionAccount, region, config.projectName),
            "Input": {
                "action": "promote",
                "versionName.$": "$.training.versionName",
                "sourceProjectArn.$": "$.project.projectArn",
                "sourceVersionArn.$": "$.training.versionArn",
                "lineage": {
                    "f1Score.$": "$.evaluation.f1Score",
                    "manifestHashes.$": "$.training.manifestHashes",
                    "executionArn.$": "$$.Execution.Id",
                    "gate": {"passed.$": "$.evaluation.passed", "reason.$": "$.evaluation.reason"},
                    "approval.$": "$.approval",
                    "forced": False,
                },
            },
        },
        "ResultSelector": {"started": True, "executionArn.$": "$.ExecutionArn"},
        "ResultPath": RESULT_PATH,
    }


def promote_after_approval(scope: Construct, flow: Flow, config: Config, then: sfn.IChainable) -> sfn.Choice:
    start = sfn.CustomState(scope, STATE, state_json=promotion_request(config))
    flow.catch(start, STATE, Failure.PromotionNotStarted)
    start.next(then)
    wanted = sfn.Choice(scope, "PromoteAfterApproval?")
    wanted.when(sfn.Condition.boolean_equals("$.run.settings.promoteAfterApproval", True), start).otherwise(
        then
    )
    return wanted
