"""One message per end of every pipeline execution, from one mechanism: an EventBridge rule on the state
machines' "Step Functions Execution Status Change" events (SUCCEEDED, FAILED, TIMED_OUT, ABORTED;
https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html) invokes NotifyExecutionEnd, which
publishes a subject and plain sentences to the topic (lambdas/customlabels/operations/execution_end.py).

The state machines publish nothing themselves. An event the function never got is in the rules'
dead-letter queue, and the rule's FailedInvocations alarm (CloudWatch, its own grant) says so on the topic.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.operations.settings import ExecutionEndSettings
from infra.config import Config
from infra.grants import On
from infra.notifications import function_rule
from infra.role_policies import granted_function
from infra.storage import Storage

END_STATUSES = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
STATUS_CHANGE = "Step Functions Execution Status Change"


class ExecutionEnds(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        machines: Mapping[str, sfn.IStateMachine],  # by the kind people read ("training", "batch analysis")
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        kinds = {machine.state_machine_arn: kind for kind, machine in machines.items()}
        self.notifier = granted_function(
            self,
            "NotifyExecutionEndFunction",
            module="notify_execution_end",
            config=config,
            storage=storage,
            targets={On.TOPIC: topic.topic_arn},
            timeout_seconds=30,
            memory_size=256,
            environment=ExecutionEndSettings(
                topic_arn=topic.topic_arn,
                project_name=config.projectName,
                state_machines=Stack.of(self).to_json_string(kinds),
            ).to_environment(),
        )
        self.rule, self.failure_alarm = function_rule(
            self,
            "ExecutionEnded",
            function=self.notifier.function,
            dead_letters=dead_letter_queue,
            topic=topic,
            description=f"Every end of a {config.projectName} pipeline execution, told once on the topic",
            failed="An execution end could not reach the function that tells the topic",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=[STATUS_CHANGE],
                detail={"stateMachineArn": list(kinds), "status": END_STATUSES},
            ),
        )
