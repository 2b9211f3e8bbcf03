"""What AWS puts in the request when one service delivers to another: one row per delivery the stacks use.

Each row names the principal, the actions it needs on the target, the condition keys AWS sends to the
target's resource policy and to KMS (encryption context included), and the AWS page that says so. The
access layer builds every delivery's request context from these rows only (``context``), so a policy
conditioned on a key AWS does not send is refused offline as it is in AWS. Where the pages are silent
the row sends the fewest keys any page shows, and the README's decisions table says so.
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
