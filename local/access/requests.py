"""What a request to the local endpoint asks for: the IAM actions, the resources and the condition keys.

Each service has one resolver from an operation and its parameters to `Check`s. An operation a
resolver does not know is checked on resource ``*`` (as for actions without resource types), so a
role whose policy names resources gets no silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from local.access import resources
from local.authz import PolicyError, resource_types_for

Params = dict[str, Any]
# Credential-scope service name -> IAM service prefix, where they differ.
PREFIXES = {"monitoring": "cloudwatch", "execute-api": "execute-api"}
# Operations whose IAM action has another name.
ACTION_NAMES = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:InvokeAsync": "lambda:InvokeFunction",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
}
# Calls that need no permission in AWS.
UNCHECKED = {"sts:GetCallerIdentity"}


@dataclass(frozen=True)
class Check:
    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request as the resolvers see it."""

    service: str  # IAM prefix
    operation: str
    params: Params
    region: str
    account: str

    def arn(self, kind: str, resource: str) -> str:
        return f"arn:aws:{kind}:{self.region}:{self.account}:{resource}"


def iam_action(service: str, operation: str) -> str:
    action = f"{service}:{operation}"
    return ACTION_NAMES.get(action, action)


def checks_for(call: Call) -> list[Check]:
    action = iam_action(call.service, call.operation)
    if action in UNCHECKED:
        return []
    resolver = RESOLVERS.get(call.service)
    resources_ = resolver(call) if resolver and _has_resource_types(action) else None
    context = request_tags(call.params)
    return [Check(action, resource, context) for resource in (resources_ or ["*"])]


@cache
def _has_resource_types(action: str) -> bool:
    """Actions without resource types (CreateProject, DescribeProjects) are authorized on ``*`` only."""
    try:
        return bool(resource_types_for(action))
    except PolicyError:  # an action the database lacks: check the resource the request names
        return True


def request_tags(params: Params) -> dict[str, Any]:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` of a request that tags what it creates; ``aws:TagKeys``
    of one that removes tags (UntagResource's ``TagKeys``)."""
    if isinstance(params.get("TagKeys"), list) and params["TagKeys"]:
        return {"aws:TagKeys": list(params["TagKeys"])}
    tags = params.get("Tags")
    if isinstance(tags, list):
        tags = {tag.get("Key"): tag.get("Value") for tag in tags if isinstance(tag, dict)}
    if not isinstance(tags, dict) or not tags:
        return {}
    return {**{f"aws:RequestTag/{key}": value for key, value in tags.items()}, "aws:TagKeys": list(tags)}


def _rekognition(call: Call) -> list[str] | None:
    p = call.params
    for name in ("ProjectVersionArn", "DatasetArn", "ResourceArn", "SourceProjectVersionArn"):
        if p.get(name):
            return [p[name]]
    if call.operation == "DistributeDatasetEntries":
        return [dataset["Arn"] for dataset in p.get("Datasets", [])]
    if p.get("ProjectArn"):
        return [p["ProjectArn"]]
    return None


def _dynamodb(call: Call) -> list[str] | None:
    p = call.params
    if "RequestItems" in p:
        return [resources.table_arn(name, call.region, call.account) for name in p["RequestItems"]]
    if "TransactItems" in p:
        names = {next(iter(item.values())).get("TableName") for item in p["TransactItems"]}
        return [resources.table_arn(name, call.region, call.account) for name in sorted(names) if name]
    name = p.get("TableName") or p.get("ResourceArn")
    if not name:
        return None
    arn = resources.table_arn(name, call.region, call.account)
    return [f"{arn}/index/{p['IndexName']}"] if p.get("IndexName") else [arn]


def _sqs(call: Call) -> list[str] | None:
    p = call.params
    if p.get("QueueUrl"):
        return [resources.queue_arn(p["QueueUrl"], call.region, call.account)]
    if p.get("QueueName"):
        return [call.arn("sqs", p["QueueName"])]
    return None


def _sns(call: Call) -> list[str] | None:
    p = call.params
    for name in ("TopicArn", "TargetArn", "ResourceArn"):
        if p.get(name):
            return [p[name]]
    if p.get("SubscriptionArn"):
        return [p["SubscriptionArn"].rsplit(":", 1)[0]]
    if call.operation == "CreateTopic" and p.get("Name"):
        return [call.arn("sns", p["Name"])]
    return None


def _kms(call: Call) -> list[str] | None:
    key_id = call.params.get("KeyId") or call.params.get("TargetKeyId")
    if not key_id:
        return None
    return [resources.key_arn(key_id, call.region, call.account) or key_id]


def _lambda(call: Call) -> list[str] | None:
    name = call.params.get("FunctionName") or call.params.get("function_name")
    return [resources.function_arn(name, call.region, call.account)] if name else None


def _states(call: Call) -> list[str] | None:
    p = call.params
    for name in ("stateMachineArn", "executionArn", "mapRunArn", "resourceArn", "activityArn"):
        if p.get(name):
            return [p[name]]
    return None


def _cloudwatch(call: Call) -> list[str] | None:
    p = call.params
    names = p.get("AlarmNames") or ([p["AlarmName"]] if p.get("AlarmName") else [])
    return [resources.alarm_arn(name, call.region, call.account) for name in names] or None


def _logs(call: Call) -> list[str] | None:
    p = call.params
    name = p.get("logGroupName")
    if not name:
        return None
    arn = resources.log_group_arn(name, call.region, call.account)
    if p.get("logStreamName"):
        return [f"{arn}:log-stream:{p['logStreamName']}"]
    return [f"{arn}:*" if call.operation.startswith(("Describe", "Filter", "Get")) else arn]


def _events(call: Call) -> list[str] | None:
    p = call.params
    if call.operation == "PutEvents":
        buses = {entry.get("EventBusName") or "default" for entry in p.get("Entries", [])} or {"default"}
        return [bus if bus.startswith("arn:") else call.arn("events", f"event-bus/{bus}") for bus in buses]
    rule = p.get("Rule") or p.get("Name")
    return [call.arn("events", f"rule/{rule}")] if rule else None


def _sts(call: Call) -> list[str] | None:
    return [call.params["RoleArn"]] if call.params.get("RoleArn") else None


RESOLVERS: dict[str, Callable[[Call], list[str] | None]] = {
    "rekognition": _rekognition,
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sns": _sns,
    "kms": _kms,
    "lambda": _lambda,
    "states": _states,
    "cloudwatch": _cloudwatch,
    "logs": _logs,
    "events": _events,
    "sts": _sts,
}
