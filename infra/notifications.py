"""The KMS-encrypted notifications topic, and who may publish to it as a service: CloudWatch alarms of
this account (topic policy), able to use the key for that (key policy); the dead-letter queue of the
EventBridge rules' targets; alarms that tell the topic. (Execution ends reach the topic through a function,
infra/execution_ends.py, which publishes with its role.)

Each service-principal statement is conditioned on the keys that service sends (the rows of
``local/access/delivery_contexts.py``): the alarms' topic-policy and key statements on ``aws:SourceArn``
and ``aws:SourceAccount``; EventBridge's dead-letter key statement on the encryption context only, because
``aws:Source*`` in a key policy is not supported for EventBridge deliveries to encrypted targets
(sns-key-management.html). The key policy names alarms and queues by pattern: the key cannot reference
what depends on it.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.arns import alarm_arn_pattern, queue_arn_pattern
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


FIVE_MINUTES = Duration.minutes(5)


def topic_alarm(
    scope: Construct,
    construct_id: str,
    metric: cloudwatch.IMetric,
    threshold: float,
    description: str,
    topic: sns.ITopic,
) -> cloudwatch.Alarm:
    """An alarm at `threshold` or more that tells the topic; no data is not a breach."""
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm


def rule_failure_alarm(
    scope: Construct, construct_id: str, rule: events.IRule, topic: sns.ITopic, what: str
) -> cloudwatch.Alarm:
    """A delivery a rule's target refused is in the rules' dead-letter queue; this says so on the topic, as
    CloudWatch (a grant apart from the rule's), so a lost delivery is still announced."""
    failed = cloudwatch.Metric(
        namespace="AWS/Events",
        metric_name="FailedInvocations",
        dimensions_map={"RuleName": rule.rule_name},
        statistic="Sum",
        period=FIVE_MINUTES,
    )
    why = f"{what}; the event is in the rules' dead-letter queue with the error"
    return topic_alarm(scope, construct_id, failed, 1, why, topic)


def function_rule(
    scope: Construct,
    construct_id: str,
    *,
    function: lambda_.IFunction,
    dead_letters: sqs.IQueue,
    topic: sns.ITopic,
    description: str,
    failed: str,
    schedule: events.Schedule | None = None,
    event_pattern: events.EventPattern | None = None,
) -> tuple[events.Rule, cloudwatch.Alarm]:
    """A rule (a schedule or an event pattern) invoking ``function``, two retries, then the rules'
    dead-letter queue; and ``<construct_id>FailedAlarm``, which tells the topic ``failed``."""
    rule = events.Rule(
        scope,
        construct_id,
        description=description,
        schedule=schedule,
        event_pattern=event_pattern,
        targets=[targets.LambdaFunction(function, retry_attempts=2, dead_letter_queue=dead_letters)],
    )
    return rule, rule_failure_alarm(scope, f"{construct_id}FailedAlarm", rule, topic, failed)
