"""Inference on upload: ``uploads/`` notification -> SQS (+ DLQ) -> detect Lambda -> results.

S3 suffix filters are case-sensitive, so the notification gets one filter per spelling of each
supported extension (``.jpg``, ``.JPG``, ``.Jpg`` ... for jpg, jpeg and png: 32 filters; mp4 and mov:
12 more). An image is checked by its magic bytes, never its extension; ``.mp4``/``.mov`` keys go to
the video path (frames sampled and detected one by one), whose decoder says whether it is a video.
A video longer than one run's frame budget goes to the batch-analysis state machine (its ARN and a
states:StartExecution grant, given by the stack; the production stack has none).
Results go to ``results/``, which no notification watches, so a result can never trigger processing;
an upload's result document reaches it through the results table's stream (infra/result_documents.py).
"""

from __future__ import annotations

from itertools import product

import jsii
from aws_cdk import Aws, Duration, Names, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from customlabels.inference.results import BY_MODEL_VERSION_INDEX, BY_TIME_INDEX
from customlabels.inference.settings import DetectSettings, OnModelStopped
from customlabels.storage_layout import UPLOADS_PREFIX
from infra.arns import queue_arn_pattern
from infra.config import Config, ConfigError
from infra.functions import PipelineFunction
from infra.grants import On
from infra.layers import VIDEO, wheel_layer
from infra.nag import acknowledge
from infra.notifications import topic_alarm
from infra.result_documents import result_document_writer
from infra.role_policies import apply_grants, base_targets
from infra.storage import Storage
from infra.video_sizing import video_frames_per_run

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
VIDEO_EXTENSIONS = ("mp4", "mov")
DETECT_TIMEOUT_SECONDS = 60
DETECT_MEMORY_MB = 512
DETECT_EPHEMERAL_MIB = 512
VIDEO_SCRATCH_HEADROOM_MIB = 64  # /tmp the runtime and the JPEG frames may need beside the video
# Lambda's guidance for SQS sources: visibility timeout >= 6 x function timeout + batching window.
VISIBILITY_TIMEOUT_FACTOR = 6
MESSAGE_RETENTION = Duration.days(14)


def case_variants(extension: str) -> list[str]:
    """Every upper/lower spelling of ``.ext``: the suffix filters S3 needs for "any case"."""
    letters = [sorted({char.lower(), char.upper()}) for char in extension]
    return ["." + "".join(chars) for chars in product(*letters)]


def upload_suffixes() -> list[str]:
    extensions = IMAGE_EXTENSIONS + VIDEO_EXTENSIONS
    return [suffix for extension in extensions for suffix in case_variants(extension)]


def video_max_frames(config: Config) -> int:
    """Frames one detect run analyses; a longer video goes to the batch analysis in chunks."""
    return video_frames_per_run(config, DETECT_TIMEOUT_SECONDS, DETECT_MEMORY_MB)


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
        batch_machine_arn: str | None = None,
    ) -> None:
        """``batch_machine_arn``: where long videos go; without it they get a VIDEO_TOO_LONG result."""
        super().__init__(scope, construct_id)
        if config.inferenceBatchSize > 10 and config.inferenceBatchWindowSeconds < 1:
            raise ConfigError(
                f"inferenceBatchSize={config.inferenceBatchSize} needs inferenceBatchWindowSeconds >= 1: "
                "Lambda reads more than 10 SQS messages per batch only with a batching window"
            )
        self.video_layer = wheel_layer(self, "VideoLayer", VIDEO)  # also the batch analysis' video functions

        self.dead_letter_queue = self._queue("DeadLetterQueue", storage, dead_letter=None)
        self.results_table, self.idempotency_table = self._tables(storage)

        self.detect = PipelineFunction(
            self,
            "Detect",
            module="detect",
            key=storage.key,
            removal_policy=storage.removal,
            timeout_seconds=DETECT_TIMEOUT_SECONDS,
            memory_size=DETECT_MEMORY_MB,
            ephemeral_storage_mib=DETECT_EPHEMERAL_MIB,
            reserved_concurrency=config.detectReservedConcurrency,
            layers=[self.video_layer],
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
        self._configure_detect(config, storage, registry, batch_machine_arn)
        self._write_documents(config, storage, topic)

        self._notify_uploads(storage)

        self.dead_letter_alarm = topic_alarm(
            self,
            "DeadLetterAlarm",
            self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "Uploads could not be analysed after the queue's receive limit; inspect and redrive "
            "the dead-letter queue",
            topic,
        )

    def _write_documents(self, config: Config, storage: Storage, topic: sns.ITopic) -> None:
        """The result-document writer, and its failures in a queue of their own with an alarm: apart from
        the uploads' dead-letter queue, whose messages are S3 events to redrive (these are not)."""
        self.document_failures = self._queue("DocumentFailureQueue", storage, dead_letter=None)
        acknowledge(
            self.document_failures,
            "AwsSolutions-SQS3",
            "This queue is the result-document writer's on-failure destination (descriptions of stream "
            "batches Lambda gave up on), which cdk-nag does not recognise; it needs no dead-letter queue.",
        )
        self.result_documents = result_document_writer(
            self,
            config=config,
            storage=storage,
            results_table=self.results_table,
            failure_queue=self.document_failures,
        )
        self.document_failure_alarm = topic_alarm(
            self,
            "DocumentFailureAlarm",
            self.document_failures.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "Result documents the writer could not write after its retries (its log names each item): "
            "fix the cause, then run `customlabels documents --resend`",
            topic,
        )

    def _tables(self, storage: Storage) -> tuple[dynamodb.Table, dynamodb.Table]:
        """The results table (with the console's indexes) and the Powertools idempotency table."""
        # Its stream carries each upload's result document to the writer (infra/result_documents.py).
        results_table = storage.secure_table(
            self,
            "Results",
            partition_key="image",
            sort_key="version",
            stream=dynamodb.StreamViewType.NEW_IMAGE,
        )
        # The console pages results newest first (by status) or per model version, one Query a page
        # whatever the table holds. A status partition takes at most what the model's inference units
        # answer (DetectCustomLabels is capped by their TPS, spec 05 §1), far below a partition's limit.
        for index, partition in ((BY_TIME_INDEX, "status"), (BY_MODEL_VERSION_INDEX, "modelVersionArn")):
            results_table.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(name=partition, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name="finishedAt", type=dynamodb.AttributeType.STRING),
            )
        # Powertools idempotency records: one per image version, in progress or done.
        idempotency_table = storage.secure_table(
            self, "Idempotency", partition_key="id", ttl_attribute="expiration"
        )
        return results_table, idempotency_table

    def _notify_uploads(self, storage: Storage) -> None:
        """uploads/ objects with an image or video extension (any case) go to the queue."""
        bucket = storage.inference_bucket
        destination = _EncryptedQueueDestination(self.queue, bucket, storage)
        for suffix in upload_suffixes():
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                destination,
                s3.NotificationKeyFilter(prefix=UPLOADS_PREFIX, suffix=suffix),
            )
        notifications_handler = next(
            child
            for child in Stack.of(self).node.children
            if child.node.id.startswith("BucketNotificationsHandler")
        )
        acknowledge(
            notifications_handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's singleton bucket-notifications custom resource applies the uploads/ notification at "
            "deploy time; its role and managed logging policy are fixed by aws-cdk-lib.",
        )

    def _configure_detect(
        self, config: Config, storage: Storage, registry: dynamodb.ITable, batch_machine_arn: str | None
    ) -> None:
        function = self.detect.function
        settings = DetectSettings(
            project_name=config.projectName,
            queue_url=self.queue.queue_url,
            results_table_name=self.results_table.table_name,
            idempotency_table_name=self.idempotency_table.table_name,
            registry_table_name=registry.table_name,
            inference_bucket_name=storage.inference_bucket.bucket_name,
            min_confidence=config.minConfidence,
            on_model_stopped=OnModelStopped(config.onModelStopped),
            champion_cache_seconds=config.championCacheSeconds,
            detect_concurrency=config.detectConcurrency,
            min_inference_units=config.minInferenceUnits,
            max_inference_units=config.maxInferenceUnits,
            model_retry_seconds=config.modelPollSeconds,
            video_frames_per_second=config.videoFramesPerSecond,
            video_max_frames=video_max_frames(config),
            video_max_bytes=(DETECT_EPHEMERAL_MIB - VIDEO_SCRATCH_HEADROOM_MIB) * 1024 * 1024,
            batch_state_machine_arn=batch_machine_arn,
            review_below_confidence=config.reviewBelowConfidence,
        )
        for name, value in settings.to_environment().items():
            function.add_environment(name, value)

        targets = {
            **base_targets(storage, config.projectName),
            On.REGISTRY: registry.table_arn,
            On.RESULTS_TABLE: self.results_table.table_arn,
            On.IDEMPOTENCY_TABLE: self.idempotency_table.table_arn,
            On.QUEUE: self.queue.queue_arn,
            **({On.BATCH_MACHINE: batch_machine_arn} if batch_machine_arn else {}),
        }
        apply_grants(self.detect, targets, config)
        # Not SqsEventSource: it would also grant kms:Decrypt on the key without kms:ViaService.
        function.add_event_source_mapping(
            f"SqsEventSource:{Names.node_unique_id(self.queue.node)}",
            event_source_arn=self.queue.queue_arn,
            batch_size=config.inferenceBatchSize,
            max_batching_window=Duration.seconds(config.inferenceBatchWindowSeconds),
            report_batch_item_failures=True,
            max_concurrency=_poller_concurrency(config.detectReservedConcurrency),
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


@jsii.implements(s3.IBucketNotificationDestination)
class _EncryptedQueueDestination:
    """S3 -> SQS on a queue encrypted with the bucket's own key.

    CDK's SqsDestination grants S3 the key through a key-policy statement conditioned on the bucket
    ARN, while the bucket already depends on the key: a circular dependency. Here the key statement is
    conditioned on what SQS puts in its KMS request for S3, the encryption context ``aws:sqs:arn`` (the
    row "S3 event notification → SQS" of local/access/delivery_contexts.py: the S3 guide shows no
    condition, so ``aws:Source*`` is not relied on there), and the queue policy keeps the bucket ARN.
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
                conditions={
                    "ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )
        storage.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3NotificationsToEncryptedQueue",
                principals=[s3_service],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:sqs:arn": queue_arn_pattern()}},
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
