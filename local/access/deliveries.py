"""What AWS services do as their own principals, checked against resource and key policies:

- S3 event notifications to SQS and SNS, as ``s3.amazonaws.com`` (source: the bucket and its owner);
  the destination is validated when the configuration is put (``Unable to validate the following
  destination configurations``), and each delivery is checked again, with the queue's or topic's key.
  The event carries what AWS's does: ``versionId``, ``sequencer``, URL-encoded key, ``eTag``, ``size``.
- CloudWatch alarm actions: a state change publishes to the alarm's SNS actions as
  ``cloudwatch.amazonaws.com`` (source: the alarm) with the message AWS sends.
- CloudWatch Logs: a log group with a KMS key is created only when the key policy lets
  ``logs.<region>.amazonaws.com`` use it for that log group (encryption context ``aws:logs:arn``).
Each delivery's request context (to the target's policy and to KMS) is its row of
``delivery_contexts``, nothing else. A delivery the policies refuse is dropped and logged, as AWS drops it.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from moto.cloudwatch.models import Alarm
from moto.logs import models as logs_models
from moto.logs.exceptions import InvalidParameterException
from moto.s3 import notifications
from moto.s3.exceptions import InvalidArgumentError
from moto.s3.models import S3Backend

from local.access import decisions, delivery_contexts, resources
from local.access.delivery_contexts import Facts
from local.patches import Patch, apply, remove

LOG = logging.getLogger("local.authz")
S3 = "s3.amazonaws.com"
CLOUDWATCH = "cloudwatch.amazonaws.com"
_sequence = itertools.count(1)
_sequence_lock = threading.Lock()
_originals = {
    "put_notifications": S3Backend.put_bucket_notification_configuration,
    "update_state": Alarm.update_state,
    "create_log_group": logs_models.LogsBackend.create_log_group,
}
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
}


def _sequencer() -> str:
    with _sequence_lock:
        return f"{next(_sequence):016X}"


def refusal(principal: str, action: str, target: str, facts: Facts) -> str | None:
    """Why `principal` may not do `action` on `target` (and with the target's key, if it has one), with
    exactly the condition keys the delivery's row says AWS sends."""
    delivery = delivery_contexts.row(principal, target.split(":")[2], action)
    denial = decisions.decide_for_service(
        principal, action, target, facts.region, delivery_contexts.context(delivery.resource_keys, facts)
    )
    key_id = resources.messaging_kms_key(target) if delivery.kms_actions and denial is None else None
    if key_id:
        key = resources.key_arn(key_id, facts.region, resources.arn_account(target, facts.source_account))
        kms_context = delivery_contexts.context(delivery.kms_keys, facts)
        for kms_action in delivery.kms_actions:
            denial = decisions.decide_for_service(
                principal, kms_action, key or key_id, facts.region, kms_context
            )
            if denial is not None:
                break
    return denial.message() if denial is not None else None


TARGET_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction"}


def refusal_to_deliver(service: str, target: str, source_arn: str, account: str, region: str) -> str | None:
    target_service = target.split(":")[2]
    action = TARGET_ACTIONS.get(target_service)
    if action is None:
        return f"{service} needs a role to deliver to {target_service} targets; the target has none"
    return refusal(service, action, target, Facts(source_arn, account, target, region))


def s3_event(event_name: str, bucket: Any, key: Any, configuration_id: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region_name,
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": event_name.removeprefix("s3:"),
        "userIdentity": {"principalId": f"AWS:{bucket.account_id}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": _sequencer(), "x-amz-id-2": _sequencer()},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.account_id},
                "arn": bucket.arn,
            },
            "object": {
                "key": quote_plus(key.name, safe="/"),
                "size": key.size,
                "eTag": key.etag.replace('"', ""),
                "sequencer": _sequencer(),
            },
        },
    }
    if bucket.is_versioned and key.version_id and key.version_id != "null":
        record["s3"]["object"]["versionId"] = key.version_id
    return {"Records": [record]}


def send_event(account_id: str, event: Any, bucket: Any, key: Any) -> None:
    event_name = getattr(event, "value", event)  # moto passes an S3NotificationEvent
    configuration = bucket.notification_configuration
    if configuration is None:
        return
    for notification in configuration.queue + configuration.topic:
        if not notification.matches(event_name, key.name):
            continue
        target = notification.arn
        region = resources.arn_region(target, bucket.region_name)
        action = "sqs:SendMessage" if target.startswith("arn:aws:sqs:") else "sns:Publish"
        refused = refusal(S3, action, target, Facts(bucket.arn, bucket.account_id, target, region))
        if refused:
            LOG.warning(
                "S3 event for s3://%s/%s not delivered to %s: %s", bucket.name, key.name, target, refused
            )
            continue
        body = json.dumps(s3_event(event_name, bucket, key, notification.id))
        if action == "sqs:SendMessage":
            notifications._send_sqs_message(account_id, json.loads(body), target.split(":")[-1], region)
        else:
            notifications._send_sns_message(account_id, json.loads(body), target, region)
    for notification in configuration.cloud_function:
        if notification.matches(event_name, key.name):
            region = resources.arn_region(notification.arn, bucket.region_name)
            facts = Facts(bucket.arn, bucket.account_id, notification.arn, region)
            refused = refusal(S3, "lambda:InvokeFunction", notification.arn, facts)
            if refused:
                LOG.warning("S3 event for s3://%s/%s not delivered: %s", bucket.name, key.name, refused)
                continue
            event = s3_event(event_name, bucket, key, notification.id)
            notifications._invoke_awslambda(account_id, event, notification.arn, region)
    if configuration.event_bridge is not None:
        notifications._send_event_bridge_message(account_id, bucket, event, key)


def put_bucket_notification_configuration(
    self: S3Backend, bucket_name: str, notification_config: dict
) -> None:
    bucket = self.get_bucket(bucket_name)
    for kind, field, action in (
        ("QueueConfiguration", "Queue", "sqs:SendMessage"),
        ("TopicConfiguration", "Topic", "sns:Publish"),
    ):
        items = notification_config.get(kind) or []
        for item in items if isinstance(items, list) else [items]:
            target = item.get(field, "")
            region = resources.arn_region(target, bucket.region_name)
            if refusal(S3, action, target, Facts(bucket.arn, bucket.account_id, target, region)):
                raise InvalidArgumentError(
                    "Unable to validate the following destination configurations", field, target
                )
    _originals["put_notifications"](self, bucket_name, notification_config)


def update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
    previous = self.state_value
    _originals["update_state"](self, reason, reason_data, state_value)
    if previous == state_value or not self.actions_enabled:
        return
    actions = {"ALARM": self.alarm_actions, "OK": self.ok_actions}.get(
        state_value, self.insufficient_data_actions
    )
    for target in actions or []:
        if target.startswith("arn:aws:sns:"):
            _publish_alarm(self, target, previous)


def _publish_alarm(alarm: Alarm, topic_arn: str, previous: str) -> None:
    from moto.sns.models import sns_backends

    account = resources.arn_account(alarm.alarm_arn, "")
    facts = Facts(alarm.alarm_arn, account, topic_arn, alarm.region_name)
    refused = refusal(CLOUDWATCH, "sns:Publish", topic_arn, facts)
    if refused:
        LOG.warning("alarm %s not delivered to %s: %s", alarm.name, topic_arn, refused)
        return
    region_name = REGION_NAMES.get(alarm.region_name, alarm.region_name)
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp.isoformat(),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": alarm.state_updated_timestamp.isoformat(),
        "Region": region_name,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": previous,
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "Statistic": alarm.statistic,
            "Dimensions": [{"name": d.name, "value": d.value} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
        },
    }
    subject = f'{alarm.state_value}: "{alarm.name}" in {region_name}'[:100]
    backend = sns_backends[account][resources.arn_region(topic_arn, alarm.region_name)]
    backend.publish(message=json.dumps(message), arn=topic_arn, subject=subject)


def create_log_group(self: Any, log_group_name: str, tags: dict[str, str], **kwargs: Any) -> Any:
    key_id = kwargs.get("kmsKeyId")
    if key_id:
        group_arn = resources.log_group_arn(log_group_name, self.region_name, self.account_id)
        key = resources.key_arn(key_id, self.region_name, self.account_id)
        delivery = delivery_contexts.row("logs", "logs")
        service = delivery.principal_in(self.region_name)
        facts = Facts(group_arn, self.account_id, group_arn, self.region_name)
        context = delivery_contexts.context(delivery.kms_keys, facts)
        for action in delivery.kms_actions:
            denial = key and decisions.decide_for_service(service, action, key, self.region_name, context)
            if key is None or denial:
                raise InvalidParameterException(
                    msg=f"The specified KMS key does not exist or is not allowed to be used with Arn "
                    f"'{group_arn}'" + (f" ({denial.message()})" if denial else "")
                )
    return _originals["create_log_group"](self, log_group_name, tags, **kwargs)


PATCHES = (
    Patch(notifications, "send_event", send_event, "moto's S3 event delivery, which no policy checks"),
    Patch(
        S3Backend,
        "put_bucket_notification_configuration",
        put_bucket_notification_configuration,
        "moto's PutBucketNotificationConfiguration, which does not validate the destinations",
    ),
    Patch(Alarm, "update_state", update_state, "moto's alarm state change, which runs no alarm actions"),
    Patch(
        logs_models.LogsBackend,
        "create_log_group",
        create_log_group,
        "moto's CreateLogGroup, which never asks the KMS key policy",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
