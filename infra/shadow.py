"""Shadow tests: the shadow control function (started by `customlabels shadow`, and on a schedule to
end a test that has its images or its time) and the alarm on that schedule's failed deliveries."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from customlabels.monitoring.shadow_settings import ShadowSettings
from infra.config import Config
from infra.grants import On
from infra.notifications import function_rule
from infra.role_policies import granted_function
from infra.storage import Storage


class ShadowTests(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        registry: dynamodb.ITable,
        results_table: dynamodb.ITable,
        rule_dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.control = granted_function(
            self,
            "ShadowControl",
            module="shadow_control",
            config=config,
            storage=storage,
            targets={On.REGISTRY: registry.table_arn, On.RESULTS_TABLE: results_table.table_arn},
            timeout_seconds=60,
            memory_size=256,
            reserved_concurrency=1,
            environment=ShadowSettings(
                project_name=config.projectName,
                registry_table_name=registry.table_name,
                results_table_name=results_table.table_name,
                min_inference_units=config.minInferenceUnits,
                max_inference_units=config.maxInferenceUnits,
            ).to_environment(),
        )
        self.schedule, self.schedule_failed = function_rule(
            self,
            "ShadowSchedule",
            function=self.control.function,
            dead_letters=rule_dead_letters,
            topic=topic,
            description=f"Ends {config.projectName}'s shadow test when it has its images or its time",
            failed="The shadow schedule could not invoke the shadow control: a finished shadow test's "
            "challenger may still be running (and billed); `customlabels shadow stop` stops it",
            schedule=events.Schedule.rate(Duration.minutes(config.idleCheckMinutes)),
        )
