"""SQS queues, SNS topics and subscriptions, EventBridge rules and EventBridge Scheduler schedules."""

from __future__ import annotations

import json
from typing import Any

from local.provision.base import Context, Created, tag_list

_QUEUE_ATTRIBUTES = {
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
}


def queue(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props, {"QueueName", "RedrivePolicy", "RedriveAllowPolicy", "Tags", *_QUEUE_ATTRIBUTES}
    )
    sqs = ctx.clients("sqs")
    fifo = bool(props.get("FifoQueue"))
    name = props.get("QueueName") or ctx.physical_name(75 if fifo else 80) + (".fifo" if fifo else "")
    attributes = {key: _attribute(value) for key, value in props.items() if key in _QUEUE_ATTRIBUTES}
    for policy in ("RedrivePolicy", "RedriveAllowPolicy"):
        if policy in props:
            attributes[policy] = json.dumps(props[policy])
    url = sqs.create_queue(
        QueueName=name,
        Attributes=attributes,
        tags={t["Key"]: t["Value"] for t in tag_list(props.get("Tags"))},
    )["QueueUrl"]
    arn = ctx.arn("sqs", name)
    return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


def _attribute(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def queue_policy(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"Queues", "PolicyDocument"})
    document = json.dumps(props["PolicyDocument"])
    for url in props["Queues"]:
        ctx.clients("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    return Created(ctx.physical_name(128))


def topic(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "TopicName",
            "DisplayName",
            "KmsMasterKeyId",
            "FifoTopic",
            "ContentBasedDeduplication",
            "Subscription",
            "Tags",
            "TracingConfig",
            "SignatureVersion",
        },
    )
    sns = ctx.clients("sns")
    fifo = bool(props.get("FifoTopic"))
    name = props.get("TopicName") or ctx.physical_name(251 if fifo else 256) + (".fifo" if fifo else "")
    attributes = {
        key: _attribute(props[key])
        for key in (
            "DisplayName",
            "KmsMasterKeyId",
            "FifoTopic",
            "ContentBasedDeduplication",
            "TracingConfig",
            "SignatureVersion",
        )
        if key in props
    }
    arn = sns.create_topic(Name=name, Attributes=attributes, Tags=tag_list(props.get("Tags")))["TopicArn"]
    for subscription in props.get("Subscription", []):
        sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    return Created(arn, {"TopicArn": arn, "TopicName": name})


def topic_policy(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"Topics", "PolicyDocument"})
    document = json.dumps(props["PolicyDocument"])
    for arn in props["Topics"]:
        ctx.clients("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=document)
    return Created(ctx.physical_name(128))


_SUBSCRIPTION_ATTRIBUTES = {
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "DeliveryPolicy",
    "SubscriptionRoleArn",
}


def subscription(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"TopicArn", "Protocol", "Endpoint", "Region", *_SUBSCRIPTION_ATTRIBUTES})
    attributes = {
        key: json.dumps(value) if isinstance(value, dict) else _attribute(value)
        for key, value in props.items()
        if key in _SUBSCRIPTION_ATTRIBUTES
    }
    arn = ctx.clients("sns").subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Created(arn)


def rule(ctx: Context, props: dict[str, Any]) -> Created:
    """Created on the endpoint (so events that match its pattern reach its targets); a schedule never
    fires by itself locally: ``local.deploy.fire_rule`` runs it on demand."""
    ctx.check_properties(
        props,
        {
            "Name",
            "Description",
            "EventBusName",
            "EventPattern",
            "ScheduleExpression",
            "State",
            "RoleArn",
            "Targets",
        },
    )
    events = ctx.clients("events")
    name = props.get("Name") or ctx.physical_name(64)
    request: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
    for key in ("Description", "EventBusName", "ScheduleExpression", "RoleArn"):
        if key in props:
            request[key] = props[key]
    if "EventPattern" in props:
        request["EventPattern"] = json.dumps(props["EventPattern"])
    arn = events.put_rule(**request)["RuleArn"]
    if props.get("Targets"):
        bus = {"EventBusName": props["EventBusName"]} if "EventBusName" in props else {}
        events.put_targets(Rule=name, Targets=props["Targets"], **bus)
    return Created(name, {"Arn": arn})


def schedule(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "Name",
            "GroupName",
            "Description",
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "FlexibleTimeWindow",
            "State",
            "Target",
            "StartDate",
            "EndDate",
            "KmsKeyArn",
        },
    )
    name = props.get("Name") or ctx.physical_name(64)
    request = {key: value for key, value in props.items() if key != "Name"}
    arn = ctx.clients("scheduler").create_schedule(Name=name, **request)["ScheduleArn"]
    return Created(name, {"Arn": arn})
