"""The feedback loop's automatic retraining: an import record under the console bucket's
``datasets/<project>/feedback/imports/`` -> S3 event -> start_retraining Lambda -> training state machine.

An S3 event rather than a schedule: nothing runs between imports, and the count of corrected images
since the last training is read from the registry when an import lands (no Lambda waits).
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.feedback.retrain import RetrainSettings
from customlabels.storage_layout import imports_prefix
from infra.config import Config
from infra.grants import On
from infra.role_policies import granted_function
from infra.storage import Storage


class FeedbackRetraining(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        registry: dynamodb.ITable,
        training_state_machine: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = granted_function(
            self,
            "StartRetrainingFunction",
            module="start_retraining",
            config=config,
            storage=storage,
            targets={
                On.REGISTRY: registry.table_arn,
                On.TRAINING_MACHINE: training_state_machine.state_machine_arn,
            },
            environment=RetrainSettings(
                project_name=config.projectName,
                registry_table_name=registry.table_name,
                training_state_machine_arn=training_state_machine.state_machine_arn,
                retrain_after_images=config.retrainAfterImages,
            ).to_environment(),
        )
        storage.console_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(self.function.function),
            s3.NotificationKeyFilter(prefix=imports_prefix(config.projectName), suffix=".json"),
        )
