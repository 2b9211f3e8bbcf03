"""The KMS-encrypted notifications topic, and who may publish to it: CloudWatch alarms and EventBridge
rules of this account (topic policy), each able to use the key for that (key policy).

Every service-principal statement carries ``aws:SourceArn`` and ``aws:SourceAccount`` (confused deputy).
The key policy names alarms and rules by pattern: the key cannot reference what depends on it.
"""

from __future__ import annotations

import jsii
from aws_cdk import Aws
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.arns import alarm_arn_pattern, event_rule_arn_pattern
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
            conditions=source_conditions("ArnLike", event_rule_arn_pattern()),
        )
    )
    return topic


@jsii.implements(events.IRuleTarget)
class TopicTarget:
    """Like aws_events_targets.SnsTopic, but the topic-policy statement names the rule and the account."""

    def __init__(self, topic: sns.ITopic, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._message = message

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
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message)
