"""KMS key, console bucket, inference bucket and the access-log bucket they log to.

The prefixes inside the buckets are customlabels.storage_layout's.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, Fn, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.arns import log_group_arn_pattern, regional_service
from infra.config import Config


def removal_policy(config: Config) -> RemovalPolicy:
    """The one decision every bucket, table, key and log group follows."""
    return RemovalPolicy.DESTROY if config.removalPolicy == "destroy" else RemovalPolicy.RETAIN


def _unique_suffix() -> str:
    """First block of the stack's UUID: stable for the stack, unique across stacks."""
    stack_uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
    return Fn.select(0, Fn.split("-", stack_uuid))


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config) -> None:
        super().__init__(scope, construct_id)
        removal = removal_policy(config)
        self.removal = removal

        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{config.projectName}-pipeline",
            description=f"Encrypts every bucket, queue, topic, table and log group of {config.projectName}",
            enable_key_rotation=True,
            removal_policy=removal,
        )
        self.key.add_to_resource_policy(logs_key_statement())

        # S3 server access logging cannot deliver to an SSE-KMS bucket: this one bucket uses SSE-S3.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30)
                )
            ],
            removal_policy=removal,
        )

        suffix = config.consoleBucketSuffix or _unique_suffix()
        self.console_bucket = self._secure_bucket(
            "ConsoleBucket",
            name=Fn.join("-", ["custom-labels-console", Aws.REGION, suffix]),
            log_prefix="console/",
            removal=removal,
        )
        self.inference_bucket = self._secure_bucket(
            "InferenceBucket", name=None, log_prefix="inference/", removal=removal
        )

    def log_group(self, scope: Construct, construct_id: str, retention: logs.RetentionDays) -> logs.LogGroup:
        return logs.LogGroup(
            scope, construct_id, encryption_key=self.key, retention=retention, removal_policy=self.removal
        )

    def secure_table(
        self,
        scope: Construct,
        construct_id: str,
        *,
        partition_key: str,
        sort_key: str | None = None,
        ttl_attribute: str | None = None,
        stream: dynamodb.StreamViewType | None = None,
    ) -> dynamodb.Table:
        """On-demand, encrypted with the app key, point-in-time recovery, the stack's removal policy."""
        return dynamodb.Table(
            scope,
            construct_id,
            partition_key=_string_key(partition_key),
            sort_key=_string_key(sort_key) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl_attribute,
            stream=stream,
            removal_policy=self.removal,
        )

    def _secure_bucket(
        self, construct_id: str, *, name: str | None, log_prefix: str, removal: RemovalPolicy
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            bucket_name=name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=removal,
        )


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def logs_key_statement() -> iam.PolicyStatement:
    """CloudWatch Logs encrypts log groups with the key only for this account's log groups in this Region
    (AWS's documented key policy; CDK's LogGroup adds none, and without it log-group creation fails)."""
    return iam.PolicyStatement(
        sid="CloudWatchLogsEncryptLogGroups",
        principals=[iam.ServicePrincipal(regional_service("logs"))],
        actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources=["*"],
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arn_pattern()}},
    )
