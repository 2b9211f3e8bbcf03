"""The KMS-encrypted notifications topic, and who may publish to it: CloudWatch alarms and EventBridge
rules of this account (topic policy), each able to use the key for that (key policy); the dead-letter
queue of the rules' targets.

Each service-principal statement is conditioned on the keys that service sends (the rows of
``local/access/delivery_contexts.py``): topic-policy statements on ``aws:SourceArn`` and
``aws:SourceAccount``; the alarms' key statement on those too; EventBridge's key statements on the
encryption context only, because the SNS developer guide says ``aws:Source*`` in a key policy "is not
supported for EventBridge-to-encrypted topics" (sns-key-management.html). The key policy names alarms,
rules, topics and queues by pattern: the key cannot reference what depends on it.
"""

from __future__ import annotations

import jsii
from aws_cdk import Aws, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.arns import alarm_arn_pattern, queue_arn_pattern, topic_arn_pattern
from infra.nag import acknowledge
from infra.storage import Storage

TOPIC_KEY_USE = ["kms:Decrypt", "kms:GenerateDataKey*"]


def source_conditions(arn_operator: str, source_arn: str) -> dict[str, dict[str, str]]:
    return {
        arn_operator: {"aws:SourceArn": source_arn},
        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
    }


def notifications_topic(scope: Construct, storage: Storage, project_name: str) -> sns.Topic:
    topic = sns.Topic(
        scope,
        "Notifications",
        display_name=f"{project_name} Custom Labels pipeline",
        master_key=storage.key,
        enforce_ssl=True,
    )
    cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
    alarms = source_conditions("ArnLike", alarm_arn_pattern())
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchAlarmsPublish",
            principals=[cloudwatch],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions=alarms,
        )
    )
    storage.key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchAlarmsPublishToEncryptedTopic",
            principals=[cloudwatch],
            actions=TOPIC_KEY_USE,
            resources=["*"],
            conditions=alarms,
        )
    )
    storage.key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgePublishesToEncryptedTopic",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=TOPIC_KEY_USE,
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn_pattern()}},
        )
    )
    return topic


def rule_dead_letter_queue(scope: Construct, storage: Storage) -> sqs.Queue:
    """Where EventBridge puts an event a rule target refused or could not take (eb-rule-dlq.html): encrypted
    with the app key, which EventBridge may use for this account's queues (encryption context only)."""
    queue = sqs.Queue(
        scope,
        "RuleDeadLetterQueue",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=storage.key,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        "This queue is the dead-letter queue of the EventBridge rule targets (DeadLetterConfig), which "
        "cdk-nag does not recognise; a dead-letter queue needs none of its own.",
    )
    storage.key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgeDeadLettersToEncryptedQueue",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:sqs:arn": queue_arn_pattern()}},
        )
    )
    return queue


def allow_rule_dead_letters(rule: events.IRule, queue: sqs.IQueue) -> events.CfnRule.DeadLetterConfigProperty:
    """The queue policy statement that lets this rule (only) send its undelivered events to `queue`."""
    queue.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"DeadLettersOf{rule.node.id}",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["sqs:SendMessage"],
            resources=[queue.queue_arn],
            conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
        )
    )
    return events.CfnRule.DeadLetterConfigProperty(arn=queue.queue_arn)


@jsii.implements(events.IRuleTarget)
class TopicTarget:
    """Like aws_events_targets.SnsTopic, but the topic-policy statement names the rule and the account, and
    undelivered events go to the dead-letter queue."""

    def __init__(
        self, topic: sns.ITopic, message: events.RuleTargetInput, dead_letter_queue: sqs.IQueue
    ) -> None:
        self._topic = topic
        self._message = message
        self._dead_letter_queue = dead_letter_queue

    def bind(self, rule: events.IRule, _id: str | None = None) -> events.RuleTargetConfig:
        self._topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeRulePublishes",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self._topic.topic_arn],
                conditions=source_conditions("ArnEquals", rule.rule_arn),
            )
        )
        return events.RuleTargetConfig(
            arn=self._topic.topic_arn,
            input=self._message,
            dead_letter_config=allow_rule_dead_letters(rule, self._dead_letter_queue),
        )
