"""What AWS puts in the request when one service delivers to another: one row per delivery the stacks use.

Each row names the principal, the actions it needs on the target, the condition keys AWS sends to the
target's resource policy and to KMS (encryption context included), and the AWS page that says so; the
forward-access rows (below) do the same for Rekognition acting on S3 with its caller's permissions. The
access layer builds every delivery's request context from these rows only (``context``), so a policy
conditioned on a key AWS does not send is refused offline as it is in AWS. Where the pages are silent
the row sends the fewest keys any page shows, and docs/decisions.md says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SNS_KEY_PAGE = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
SQS_KEY_PAGE = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html"
)
S3_DESTINATIONS_PAGE = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html"
)
EVENTBRIDGE_RESOURCE_PAGE = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html"
)
EVENTBRIDGE_DLQ_PAGE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html"
SOURCE_KEYS = ("aws:SourceArn", "aws:SourceAccount")
TOPIC_KEY_USE = ("kms:GenerateDataKey", "kms:Decrypt")
QUEUE_KEY_USE = ("kms:GenerateDataKey", "kms:Decrypt")


@dataclass(frozen=True)
class DeliveryContext:
    """One delivery. `principal` is a service principal (``{region}`` filled in), or ``caller`` when the
    service acts with the credentials of whoever called it (the caller's identity policies apply)."""

    name: str
    principal: str
    target_service: str
    actions: tuple[str, ...]
    resource_keys: tuple[str, ...]
    kms_actions: tuple[str, ...]
    kms_keys: tuple[str, ...]
    source: str

    def principal_in(self, region: str) -> str:
        return self.principal.format(region=region)


@dataclass(frozen=True)
class Facts:
    """What a delivery knows: whom it acts for (`source_arn`, `source_account`) and what it reaches."""

    source_arn: str
    source_account: str
    target_arn: str
    region: str
    caller_account: str = ""


def _via_service(facts: Facts) -> str:
    return f"{facts.target_arn.split(':')[2]}.{facts.region}.amazonaws.com"


KEY_VALUES = {
    "aws:SourceArn": lambda facts: facts.source_arn,
    "aws:SourceAccount": lambda facts: facts.source_account,
    "kms:ViaService": _via_service,
    "kms:CallerAccount": lambda facts: facts.caller_account,
    "kms:EncryptionContext:aws:sns:topicArn": lambda facts: facts.target_arn,
    "kms:EncryptionContext:aws:sqs:arn": lambda facts: facts.target_arn,
    "kms:EncryptionContext:aws:logs:arn": lambda facts: facts.target_arn,
}

ROWS = (
    DeliveryContext(
        "S3 event notification → SQS",
        "s3.amazonaws.com",
        "sqs",
        ("sqs:SendMessage",),
        SOURCE_KEYS,
        QUEUE_KEY_USE,
        ("kms:EncryptionContext:aws:sqs:arn",),
        f"{S3_DESTINATIONS_PAGE} (queue policy with aws:SourceArn/aws:SourceAccount; the SSE-KMS key "
        f"policy example has no condition); {SQS_KEY_PAGE} (encryption context aws:sqs:arn)",
    ),
    DeliveryContext(
        "S3 event notification → SNS",
        "s3.amazonaws.com",
        "sns",
        ("sns:Publish",),
        SOURCE_KEYS,
        TOPIC_KEY_USE,
        ("kms:EncryptionContext:aws:sns:topicArn",),
        f"{S3_DESTINATIONS_PAGE}; {SNS_KEY_PAGE} (encryption context aws:sns:topicArn)",
    ),
    DeliveryContext(
        "S3 event notification → Lambda",
        "s3.amazonaws.com",
        "lambda",
        ("lambda:InvokeFunction",),
        SOURCE_KEYS,
        (),
        (),
        "https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html (resource-based policy with "
        "aws:SourceArn and aws:SourceAccount)",
    ),
    DeliveryContext(
        "S3 server access logs → log bucket",
        "logging.s3.amazonaws.com",
        "s3",
        ("s3:PutObject",),
        SOURCE_KEYS,
        (),
        (),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html (bucket "
        "policy for logging.s3.amazonaws.com with aws:SourceArn and aws:SourceAccount)",
    ),
    DeliveryContext(
        "SNS → SQS subscription",
        "sns.amazonaws.com",
        "sqs",
        ("sqs:SendMessage",),
        SOURCE_KEYS,
        QUEUE_KEY_USE,
        ("kms:EncryptionContext:aws:sqs:arn",),
        "https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html (queue policy "
        f"with aws:SourceArn); {SNS_KEY_PAGE} (key policy for sns.amazonaws.com on encrypted queues)",
    ),
    DeliveryContext(
        "CloudWatch alarm action → SNS",
        "cloudwatch.amazonaws.com",
        "sns",
        ("sns:Publish",),
        SOURCE_KEYS,
        TOPIC_KEY_USE,
        (*SOURCE_KEYS, "kms:EncryptionContext:aws:sns:topicArn"),
        f"{SNS_KEY_PAGE} (key policy example for AWS event sources: aws:SourceArn, aws:SourceAccount and "
        "kms:EncryptionContext:aws:sns:topicArn); https://docs.aws.amazon.com/AmazonCloudWatch/latest/"
        "monitoring/AlarmThatSendsEmail.html",
    ),
    DeliveryContext(
        "EventBridge rule → SNS",
        "events.amazonaws.com",
        "sns",
        ("sns:Publish",),
        SOURCE_KEYS,
        TOPIC_KEY_USE,
        ("kms:EncryptionContext:aws:sns:topicArn",),
        f"{EVENTBRIDGE_RESOURCE_PAGE} (topic policy); {SNS_KEY_PAGE} (adding aws:SourceAccount, "
        "aws:SourceArn and aws:SourceOrgID to a KMS key policy is not supported for EventBridge-to-"
        "encrypted topics)",
    ),
    DeliveryContext(
        "EventBridge rule → Lambda",
        "events.amazonaws.com",
        "lambda",
        ("lambda:InvokeFunction",),
        SOURCE_KEYS,
        (),
        (),
        f"{EVENTBRIDGE_RESOURCE_PAGE} (Lambda permissions: aws:SourceArn of the rule)",
    ),
    DeliveryContext(
        "EventBridge rule → SQS (target or dead-letter queue)",
        "events.amazonaws.com",
        "sqs",
        ("sqs:SendMessage",),
        SOURCE_KEYS,
        QUEUE_KEY_USE,
        ("kms:EncryptionContext:aws:sqs:arn",),
        f"{EVENTBRIDGE_DLQ_PAGE} (queue policy with aws:SourceArn of the rule; an encrypted queue needs a "
        f"customer managed key that lets events.amazonaws.com use it); {SQS_KEY_PAGE}",
    ),
    DeliveryContext(
        "EventBridge rule → Step Functions (the target's role)",
        "caller",
        "states",
        ("states:StartExecution",),
        (),
        (),
        (),
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html (targets "
        "that need a role: EventBridge assumes RoleArn and calls as that role)",
    ),
    DeliveryContext(
        "A role publishing to an SSE-KMS topic (Step Functions → SNS through its role, functions)",
        "caller",
        "sns",
        ("sns:Publish",),
        (),
        TOPIC_KEY_USE,
        ("kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:aws:sns:topicArn"),
        f"{SNS_KEY_PAGE} (the publisher needs kms:GenerateDataKey* and kms:Decrypt; SNS calls KMS for "
        "it); https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    ),
    DeliveryContext(
        "A role sending to an SSE-KMS queue",
        "caller",
        "sqs",
        ("sqs:SendMessage",),
        (),
        QUEUE_KEY_USE,
        ("kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:aws:sqs:arn"),
        f"{SQS_KEY_PAGE} (producers need kms:GenerateDataKey and kms:Decrypt; encryption context "
        "aws:sqs:arn)",
    ),
    DeliveryContext(
        "A role receiving from an SSE-KMS queue",
        "caller",
        "sqs",
        ("sqs:ReceiveMessage",),
        (),
        ("kms:Decrypt",),
        ("kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:aws:sqs:arn"),
        f"{SQS_KEY_PAGE} (consumers need kms:Decrypt)",
    ),
    DeliveryContext(
        "CloudWatch Logs → KMS (encrypted log group)",
        "logs.{region}.amazonaws.com",
        "logs",
        (),
        (),
        ("kms:GenerateDataKey", "kms:Decrypt"),
        ("kms:EncryptionContext:aws:logs:arn",),
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html (key policy "
        "for logs.<region>.amazonaws.com conditioned on kms:EncryptionContext:aws:logs:arn)",
    ),
)


class NoDeliveryContext(LookupError):
    """A delivery the table has no row for: add the row, with its source, before modelling it."""


def row(principal: str, target_service: str, action: str | None = None) -> DeliveryContext:
    """The row of `principal` delivering to `target_service` (with `action`, when several rows match)."""
    found = [
        r
        for r in ROWS
        if r.principal.split(".")[0] == principal.split(".")[0]
        and r.target_service == target_service
        and (action is None or action in r.actions or not r.actions)
    ]
    if not found:
        raise NoDeliveryContext(
            f"no delivery context for {principal} → {target_service}"
            + (f" ({action})" if action else "")
            + ": add a row with its AWS source to local/access/delivery_contexts.py"
        )
    return found[0]


def context(keys: tuple[str, ...], facts: Facts) -> dict[str, Any]:
    """The request context a delivery carries: exactly `keys` (a row's resource or KMS keys)."""
    return {key: KEY_VALUES[key](facts) for key in keys}


# Forward access: Forward access: Rekognition reading and writing S3 for its caller, one row per delivery.
#
# With a forward access session (FAS) an AWS service makes a downstream request with the permissions of
# the principal that called it: the request is evaluated against the caller's identity policies, the
# bucket policy and, when S3 uses KMS for the object, the key policy. What each target sees:
# - S3 sees the caller as principal and ``aws:ViaAWSService`` true. ``aws:CalledVia`` is not set:
#   Rekognition is not among the services that set it (IAM User Guide, global condition keys,
#   aws:CalledVia and aws:ViaAWSService:
#   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-viaawsservice).
# - KMS, for an SSE-KMS object, sees the caller, ``kms:ViaService`` = ``s3.<region>.amazonaws.com`` (the
#   service that calls KMS) and the S3 encryption context ``aws:s3:arn`` (the object ARN, or the bucket
#   ARN with S3 Bucket Keys): AWS KMS Developer Guide, kms:ViaService
#   (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service)
#   and Amazon S3 User Guide, "Encryption context"
#   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
# Forward access sessions: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html

GUIDE_S3_PERMISSIONS = (
    "Rekognition Custom Labels Developer Guide, 'Accessing external Amazon S3 buckets' (spec 01 §3.2, the "
    "S3 actions Rekognition performs for the caller) and 'Set up SDK permissions' (spec 01 §3.3: access to "
    "images is evaluated with the caller's identity permissions)"
)


@dataclass(frozen=True)
class ForwardAccessRow:
    delivery: str
    principal: str
    via: str  # the service principal the caller's request goes through
    serving: tuple[str, ...]  # the Rekognition operations whose S3 calls this row covers
    operations: tuple[str, ...]  # S3 operations the local service makes for them
    bucket_actions: tuple[str, ...]  # authorized on the bucket ARN
    object_actions: tuple[str, ...]  # authorized on the object ARN, when the operation names a key
    kms_action: str | None  # what S3 asks KMS for an SSE-KMS object, as the caller
    request_keys: dict[str, object]  # condition keys S3 sees besides the caller's own
    kms_keys: tuple[str, ...]  # condition keys KMS sees (values depend on the object)
    source: str


_S3_SEES = {"aws:ViaAWSService": True}
_KMS_SEES = ("kms:ViaService", "kms:EncryptionContext:aws:s3:arn", "kms:CallerAccount", "aws:ViaAWSService")

# The guide lists the whole read set as what Rekognition needs; it does not say which call uses which
# action, so every read is authorized on all of them (docs/decisions.md).
REKOGNITION_READS = ForwardAccessRow(
    delivery="Rekognition reads manifests and images (CreateDataset, CreateProjectVersion) for its caller",
    principal="the caller of the Rekognition operation",
    via="rekognition.amazonaws.com",
    serving=("CreateDataset", "CreateProjectVersion"),
    operations=("GetObject", "HeadObject", "GetBucketAcl", "ListObjectsV2"),
    bucket_actions=("s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"),
    object_actions=("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:GetObjectTagging"),
    kms_action="kms:Decrypt",
    request_keys=_S3_SEES,
    kms_keys=_KMS_SEES,
    source=GUIDE_S3_PERMISSIONS,
)
REKOGNITION_WRITES = ForwardAccessRow(
    delivery="Rekognition writes training output (CreateProjectVersion) and the copy's output "
    "(CopyProjectVersion) to OutputConfig for its caller",
    principal="the caller of the Rekognition operation",
    via="rekognition.amazonaws.com",
    serving=("CreateProjectVersion", "CopyProjectVersion"),
    operations=("PutObject",),
    bucket_actions=(),
    object_actions=("s3:PutObject",),
    kms_action="kms:GenerateDataKey",
    request_keys=_S3_SEES,
    kms_keys=_KMS_SEES,
    source=f"{GUIDE_S3_PERMISSIONS}; spec 06 §4.4: CopyProjectVersion needs access to the S3 output bucket",
)
REKOGNITION_READS_IMAGE = ForwardAccessRow(
    delivery="Rekognition reads the S3Object image of DetectCustomLabels for its caller",
    principal="the caller of DetectCustomLabels",
    via="rekognition.amazonaws.com",
    serving=("DetectCustomLabels",),
    operations=("GetObject", "HeadObject"),
    bucket_actions=(),
    object_actions=("s3:GetObject",),
    kms_action="kms:Decrypt",
    request_keys=_S3_SEES,
    kms_keys=_KMS_SEES,
    source="Rekognition Custom Labels Developer Guide, analyzing an image with a Lambda function: the "
    "function's role needs s3:GetObject on the images (spec 05); InvalidS3ObjectException when it cannot",
)
FORWARD_ROWS = (REKOGNITION_READS, REKOGNITION_WRITES, REKOGNITION_READS_IMAGE)
# A GetObject of a given VersionId is authorized as s3:GetObjectVersion (Amazon S3 API Reference,
# GetObject, "Permissions": "you need the s3:GetObjectVersion permission to access a specific version").
VERSIONED = {"s3:GetObject": "s3:GetObjectVersion"}


def row_for(serving: str, operation: str) -> ForwardAccessRow:
    for forward in FORWARD_ROWS:
        if serving in forward.serving and operation in forward.operations:
            return forward
    raise NotImplementedError(
        f"the local Custom Labels service calls S3 {operation} for the caller of {serving}, which no "
        "forward-access row (local/access/delivery_contexts.py) covers: add it, with the AWS page that says "
        "what S3 checks"
    )
