"""Inference on upload: ``uploads/`` notification -> SQS (+ DLQ) -> detect Lambda -> results.

S3 suffix filters are case-sensitive, so the notification gets one filter per spelling of each
supported extension (``.jpg``, ``.JPG``, ``.Jpg`` ... for jpg, jpeg and png: 32 filters). The
handler never relies on the extension: it checks the format by the file's magic bytes.
Results go to ``results/``, which no notification watches, so a result can never trigger processing.
"""

from __future__ import annotations

from itertools import product

import jsii
from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import Config, ConfigError
from infra.functions import PipelineFunction
from infra.permissions import key_use_statement, model_version_arn_pattern
from infra.storage import RESULTS_PREFIX, UPLOADS_PREFIX, Storage

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
DETECT_TIMEOUT_SECONDS = 60
# Lambda's guidance for SQS sources: visibility timeout >= 6 x function timeout + batching window.
VISIBILITY_TIMEOUT_FACTOR = 6
MESSAGE_RETENTION = Duration.days(14)


def case_variants(extension: str) -> list[str]:
    """Every upper/lower spelling of ``.ext``: the suffix filters S3 needs for "any case"."""
    letters = [sorted({char.lower(), char.upper()}) for char in extension]
    return ["." + "".join(chars) for chars in product(*letters)]


def upload_suffixes() -> list[str]:
    return [suffix for extension in IMAGE_EXTENSIONS for suffix in case_variants(extension)]


class Inference(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        registry: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        if config.inferenceBatchSize > 10 and config.inferenceBatchWindowSeconds < 1:
            raise ConfigError(
                f"inferenceBatchSize={config.inferenceBatchSize} needs inferenceBatchWindowSeconds >= 1: "
                "Lambda reads more than 10 SQS messages per batch only with a batching window"
            )
        removal = RemovalPolicy.DESTROY if config.removalPolicy == "destroy" else RemovalPolicy.RETAIN
        bucket = storage.inference_bucket

        self.dead_letter_queue = self._queue("DeadLetterQueue", storage, dead_letter=None)
        self.results_table = self._table(
            "Results", storage, removal, partition_key="image", sort_key="version", ttl_attribute=None
        )
        # Powertools idempotency records: one per image version, in progress or done.
        self.idempotency_table = self._table(
            "Idempotency", storage, removal, partition_key="id", sort_key=None, ttl_attribute="expiration"
        )

        self.detect = PipelineFunction(
            self,
            "Detect",
            module="detect",
            key=storage.key,
            timeout_seconds=DETECT_TIMEOUT_SECONDS,
            reserved_concurrency=config.detectReservedConcurrency,
            removal_policy=removal,
        )
        visibility = Duration.seconds(
            VISIBILITY_TIMEOUT_FACTOR * DETECT_TIMEOUT_SECONDS + config.inferenceBatchWindowSeconds
        )
        self.queue = self._queue(
            "Queue",
            storage,
            dead_letter=sqs.DeadLetterQueue(
                max_receive_count=config.inferenceMaxReceiveCount, queue=self.dead_letter_queue
            ),
            visibility_timeout=visibility,
        )
        self._configure_detect(config, storage, registry)

        destination = _EncryptedQueueDestination(self.queue, bucket, storage)
        for suffix in upload_suffixes():
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                destination,
                s3.NotificationKeyFilter(prefix=UPLOADS_PREFIX, suffix=suffix),
            )

        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterAlarm",
            alarm_description=(
                "Uploads could not be analysed after the queue's receive limit; inspect and redrive "
                "the dead-letter queue"
            ),
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.dead_letter_alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
        # Alarm actions publish to the KMS-encrypted topic: CloudWatch needs to use the key.
        storage.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )

    def _configure_detect(self, config: Config, storage: Storage, registry: dynamodb.ITable) -> None:
        function = self.detect.function
        bucket = storage.inference_bucket
        settings = {
            "PROJECT_NAME": config.projectName,
            "QUEUE_URL": self.queue.queue_url,
            "RESULTS_TABLE_NAME": self.results_table.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
            "REGISTRY_TABLE_NAME": registry.table_name,
            "MIN_CONFIDENCE": "" if config.minConfidence is None else str(config.minConfidence),
            "ON_MODEL_STOPPED": config.onModelStopped,
            "CHAMPION_CACHE_SECONDS": str(config.championCacheSeconds),
            "DETECT_CONCURRENCY": str(config.detectConcurrency),
            "MIN_INFERENCE_UNITS": str(config.minInferenceUnits),
            "MAX_INFERENCE_UNITS": str(config.maxInferenceUnits),
            "MODEL_RETRY_SECONDS": str(config.modelPollSeconds),
        }
        for name, value in settings.items():
            function.add_environment(name, value)

        statements = [
            iam.PolicyStatement(
                sid="ReadUploads",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[bucket.arn_for_objects(f"{UPLOADS_PREFIX}*")],
            ),
            # Without ListBucket a deleted upload reads as 403 instead of 404 (and would be retried).
            iam.PolicyStatement(
                sid="ListUploads",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{UPLOADS_PREFIX}*"]}},
            ),
            iam.PolicyStatement(
                sid="WriteResults",
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{RESULTS_PREFIX}*")],
            ),
            iam.PolicyStatement(
                sid="WriteResultItems",
                actions=["dynamodb:PutItem"],
                resources=[self.results_table.table_arn],
            ),
            iam.PolicyStatement(
                sid="IdempotencyRecords",
                actions=[f"dynamodb:{verb}" for verb in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")],
                resources=[self.idempotency_table.table_arn],
            ),
            key_use_statement(storage, for_training=False),
        ]
        for statement in statements:
            function.add_to_role_policy(statement)
        registry.grant_read_data(function)
        actions = ["rekognition:DetectCustomLabels"]
        if config.onModelStopped == "start":
            actions.append("rekognition:StartProjectVersion")
        function.add_to_role_policy(
            iam.PolicyStatement(actions=actions, resources=[model_version_arn_pattern(config.projectName)])
        )
        function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=config.inferenceBatchSize,
                max_batching_window=Duration.seconds(config.inferenceBatchWindowSeconds),
                report_batch_item_failures=True,
                max_concurrency=_poller_concurrency(config.detectReservedConcurrency),
            )
        )

    def _queue(
        self,
        construct_id: str,
        storage: Storage,
        *,
        dead_letter: sqs.DeadLetterQueue | None,
        visibility_timeout: Duration | None = None,
    ) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=storage.key,
            data_key_reuse=Duration.hours(1),
            enforce_ssl=True,
            retention_period=MESSAGE_RETENTION,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=dead_letter,
        )

    def _table(
        self,
        construct_id: str,
        storage: Storage,
        removal: RemovalPolicy,
        *,
        partition_key: str,
        sort_key: str | None,
        ttl_attribute: str | None,
    ) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            construct_id,
            partition_key=_string_key(partition_key),
            sort_key=_string_key(sort_key) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=storage.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl_attribute,
            removal_policy=removal,
        )


@jsii.implements(s3.IBucketNotificationDestination)
class _EncryptedQueueDestination:
    """S3 -> SQS on a queue encrypted with the bucket's own key.

    CDK's SqsDestination grants S3 the key through a key-policy statement conditioned on the bucket
    ARN, while the bucket already depends on the key: a circular dependency. Here the key statement is
    conditioned on the account instead, and the queue policy (which may name the bucket) keeps the
    bucket ARN condition.
    """

    def __init__(self, queue: sqs.Queue, bucket: s3.IBucket, storage: Storage) -> None:
        self._queue = queue
        s3_service = iam.ServicePrincipal("s3.amazonaws.com")
        queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3UploadNotifications",
                principals=[s3_service],
                actions=["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                resources=[queue.queue_arn],
                conditions={"ArnLike": {"aws:SourceArn": bucket.bucket_arn}},
            )
        )
        storage.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3NotificationsToEncryptedQueue",
                principals=[s3_service],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )

    def bind(self, _scope: Construct, _bucket: s3.IBucket) -> s3.BucketNotificationDestinationConfig:
        return s3.BucketNotificationDestinationConfig(
            arn=self._queue.queue_arn,
            type=s3.BucketNotificationDestinationType.QUEUE,
            dependencies=[self._queue],
        )


def _poller_concurrency(reserved: int | None) -> int | None:
    """Cap the SQS pollers at the reserved concurrency so Lambda never throttles its own poller
    (a throttled batch goes back to the queue and spends a receive on nothing). The ESM minimum is 2."""
    return None if reserved is None else max(2, reserved)


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)
