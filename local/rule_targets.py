"""EventBridge rules deliver a matching event to SNS, SQS, Lambda and Step Functions targets as AWS does.

moto 5.2.5's ``Rule.send_to_targets`` raises ``NotImplementedError`` for SNS, Lambda and Step Functions
targets (``PutEvents`` answers HTTP 500), ignores a disabled rule, dead-letter queues and the rule's
metrics, and authorizes nothing. Here, per matching event and target:

- the target's input is built as EventBridge builds it (``local.rule_input``);
- SNS, SQS and Lambda targets are reached as ``events.amazonaws.com``, authorized with the context of
  its row in ``local.access.delivery_contexts`` (target policy, then the target's key); Step Functions
  targets with the target's ``RoleArn`` (https://docs.aws.amazon.com/eventbridge/latest/userguide/
  eb-use-identity-based.html);
- a delivery refused or failing counts in the rule's ``FailedInvocations`` (``AWS/Events``, dimension
  ``RuleName``; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html) and goes to
  the target's dead-letter queue, itself a delivery authorized by its row, with the message attributes
  of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html; every other delivery
  counts in ``Invocations``. Permission and missing-resource errors are not retried (same page), so
  they reach the queue at once; no other failure is modelled locally.
Other target types (log groups, event buses, archives) keep moto's delivery.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import settings as moto_settings
from moto.events.models import Rule

from local import access
from local.patches import Patch, apply, remove
from local.rule_input import InputError, target_input

LOG = logging.getLogger("local.events")
EVENTS = "events.amazonaws.com"
HANDLED = frozenset({"sns", "sqs", "lambda", "states"})
_original = Rule.send_to_targets


@dataclass(frozen=True)
class Failure(Exception):
    """A delivery EventBridge gives up on: its DLQ ``ERROR_CODE`` and ``ERROR_MESSAGE``."""

    code: str
    message: str


def send_to_targets(self: Rule, original_event: dict[str, Any], transform_input: bool = True) -> None:
    """A rule without an event pattern (a schedule) matches no event; moto's empty pattern matches all."""
    pattern = self.event_pattern.get_pattern()
    if self.state != "ENABLED" or not pattern or not self.event_pattern.matches_event(original_event):
        return
    event = aws_event(original_event)
    for target in self.targets:
        if target["Arn"].split(":")[2] not in HANDLED:
            only_this = copy.copy(self)
            only_this.targets = [target]
            _original(only_this, original_event, transform_input)
            continue
        deliver(self.arn, self.name, target, event, self.account_id, self.region_name)


def aws_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as targets see it: ``time`` in ISO 8601 (moto keeps epoch seconds), no moto-only keys."""
    shaped = {key: value for key, value in event.items() if key != "ingestion-time"}
    if isinstance(shaped.get("time"), int | float):
        shaped["time"] = datetime.fromtimestamp(shaped["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return shaped


def deliver(
    rule_arn: str, rule_name: str, target: dict[str, Any], event: dict[str, Any], account: str, region: str
) -> None:
    try:
        payload = target_input(target, event, rule_arn)
        _invoke(target, payload, rule_arn, account, region)
    except (Failure, InputError) as failure:
        failed = failure if isinstance(failure, Failure) else Failure("INVALID_INPUT", str(failure))
        LOG.warning("rule %s did not deliver to %s: %s", rule_arn, target["Arn"], failed.message)
        _metric(account, region, rule_name, "FailedInvocations")
        _dead_letter(target, event, rule_arn, rule_name, failed, account, region)
        return
    _metric(account, region, rule_name, "Invocations")


def _invoke(target: dict[str, Any], payload: str, rule_arn: str, account: str, region: str) -> None:
    arn = target["Arn"]
    service = arn.split(":")[2]
    if service == "states":
        _start_execution(target, payload, region)
        return
    target_account, target_region = arn.split(":")[4], arn.split(":")[3]
    if not _exists(service, target_account, target_region, arn):
        raise Failure("RESOURCE_NOT_FOUND", f"the target {arn} does not exist")
    refused = access.refusal(EVENTS, arn, rule_arn, account, region)
    if refused:
        raise Failure("NO_PERMISSIONS", refused)
    if service == "sns":
        _publish(target_account, target_region, arn, payload)
    elif service == "sqs":
        group = target.get("SqsParameters", {}).get("MessageGroupId")
        _send(target_account, target_region, arn, payload, group)
    else:
        _invoke_function(target_account, target_region, arn, payload)


def _exists(service: str, account: str, region: str, arn: str) -> bool:
    """Whether the target is there: a missing one is RESOURCE_NOT_FOUND, before any policy is read."""
    from moto.awslambda.models import lambda_backends
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    if service == "sns":
        return arn in sns_backends[account][region].topics
    if service == "sqs":
        return arn.split(":")[5] in sqs_backends[account][region].queues
    try:
        lambda_backends[account][region].get_function(arn)
    except Exception:  # moto's UnknownFunctionException, or a malformed ARN
        return False
    return True


def _publish(account: str, region: str, topic_arn: str, payload: str) -> None:
    from moto.sns.models import sns_backends

    sns_backends[account][region].publish(message=payload, arn=topic_arn)


def _send(
    account: str, region: str, queue_arn: str, body: str, group: str | None, attributes: dict | None = None
) -> None:
    from moto.sqs.models import sqs_backends

    sqs_backends[account][region].send_message(
        queue_name=queue_arn.split(":")[5], message_body=body, message_attributes=attributes, group_id=group
    )


def _invoke_function(account: str, region: str, function_arn: str, payload: str) -> None:
    """Asynchronously, as EventBridge invokes Lambda: a function error is Lambda's to retry, not a
    failed invocation of the rule."""
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[account][region]
    headers = {"x-amz-invocation-type": "Event"}
    threading.Thread(
        target=backend.invoke, args=(function_arn, None, payload, headers, {}), daemon=True
    ).start()


def _start_execution(target: dict[str, Any], payload: str, region: str) -> None:
    role_arn = target.get("RoleArn")
    if not role_arn:
        raise Failure("NO_PERMISSIONS", f"the target {target['Arn']} has no RoleArn for EventBridge to use")
    issued = access.role_credentials_if_enabled(role_arn, "events")
    keys = (issued.access_key_id, issued.secret_access_key, issued.session_token) if issued else None
    client = boto3.client(
        "stepfunctions",
        region_name=region,
        endpoint_url=f"http://localhost:{moto_settings.moto_server_port()}",
        aws_access_key_id=keys[0] if keys else "testing",
        aws_secret_access_key=keys[1] if keys else "testing",
        aws_session_token=keys[2] if keys else None,
    )
    try:
        client.start_execution(stateMachineArn=target["Arn"], input=payload)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        kind = "NO_PERMISSIONS" if "AccessDenied" in code else "SDK_CLIENT_ERROR"
        raise Failure(kind, str(error)) from None


def _dead_letter(
    target: dict[str, Any],
    event: dict[str, Any],
    rule_arn: str,
    rule_name: str,
    failure: Failure,
    account: str,
    region: str,
) -> None:
    queue = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue:
        return
    queue_account, queue_region = queue.split(":")[4], queue.split(":")[3]
    if _exists("sqs", queue_account, queue_region, queue):
        problem = access.refusal(EVENTS, queue, rule_arn, account, region)
    else:
        problem = f"the queue {queue} does not exist"
    if problem:
        LOG.warning("rule %s could not send to its dead-letter queue %s: %s", rule_arn, queue, problem)
        _metric(account, region, rule_name, "InvocationsFailedToBeSentToDlq")
        return
    attributes = {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target["Arn"],
        "ERROR_CODE": failure.code,
        "ERROR_MESSAGE": failure.message[:256],
        "RETRY_ATTEMPTS": "0",
    }
    message_attributes = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
    _send(queue_account, queue_region, queue, json.dumps(event), None, message_attributes)
    _metric(account, region, rule_name, "InvocationsSentToDlq")


def _metric(account: str, region: str, rule_name: str, name: str) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    datum = {
        "MetricName": name,
        "Value": 1,
        "Unit": "Count",
        "Timestamp": datetime.now(UTC).replace(tzinfo=None),
        "Dimensions": [{"Name": "RuleName", "Value": rule_name}],
    }
    cloudwatch_backends[account][region].put_metric_data("AWS/Events", [datum])


PATCHES = (
    Patch(
        Rule,
        "send_to_targets",
        send_to_targets,
        "moto's rule delivery, which answers NotImplementedError for SNS, Lambda and Step Functions targets "
        "and checks no policy",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
