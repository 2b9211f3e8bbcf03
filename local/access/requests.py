"""What a request to the local endpoint asks for: the IAM actions, the resources and the condition keys.

Each service has one resolver from an operation and its parameters to the ARNs the request names;
``required_resources`` turns them into the resources the action is authorized on: every resource type
the Service Authorization Reference marks as required, or ``*`` for actions without resource types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.access import resources
from local.access.required_resources import resources_to_authorize

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
    "s3:ListParts": "s3:ListMultipartUploadParts",
}
# Operations AWS authorizes as several actions, each on the resources its own parameters name: ReEncrypt
# needs kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key (AWS KMS API
# Reference, ReEncrypt, "Required permissions").
SPLIT_OPERATIONS = {
    "kms:ReEncrypt": {
        "kms:ReEncryptFrom": ("SourceKeyId", "CiphertextBlob"),
        "kms:ReEncryptTo": ("DestinationKeyId",),
    }
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
    """One check per resource the action is authorized on; ``UnresolvedResource`` when the request
    names no resource of a type the action requires."""
    action = iam_action(call.service, call.operation)
    if action in UNCHECKED:
        return []
    context = request_tags(call.params)
    if action in SPLIT_OPERATIONS:
        parts = SPLIT_OPERATIONS[action].items()
        named_by = {part: _kms_keys(call, names) for part, names in parts}
    else:
        resolver = RESOLVERS.get(call.service)
        named_by = {action: (resolver(call) or []) if resolver else []}
    return [
        Check(part, resource, context)
        for part, named in named_by.items()
        for resource in resources_to_authorize(part, named)
    ]


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


# Parameters naming a Custom Labels resource; CopyProjectVersion's `project` is the destination (the
# source project is named only to find the version: the reference's required types are the destination
# `project` and the source `projectversion`).
REKOGNITION_ARN_PARAMETERS = (
    "ProjectArn",
    "ProjectVersionArn",
    "DatasetArn",
    "ResourceArn",
    "SourceProjectVersionArn",
    "DestinationProjectArn",
)


def _rekognition(call: Call) -> list[str]:
    p = call.params
    named = [p[name] for name in REKOGNITION_ARN_PARAMETERS if isinstance(p.get(name), str)]
    return named + [dataset["Arn"] for dataset in p.get("Datasets") or [] if isinstance(dataset, dict)]


def _dynamodb(call: Call) -> list[str] | None:
    p = call.params
    if "RequestItems" in p:
        return [resources.table_arn(name, call.region, call.account) for name in p["RequestItems"]]
    if "TransactItems" in p:
        names = {next(iter(item.values())).get("TableName") for item in p["TransactItems"]}
        return [resources.table_arn(name, call.region, call.account) for name in sorted(names) if name]
    if isinstance(p.get("StreamArn"), str):
        return [p["StreamArn"]]
    if isinstance(p.get("ShardIterator"), str):
        # GetRecords names its stream through the iterator; the local iterator is "<stream ARN>|1|<id>"
        return [p["ShardIterator"].split("|", 1)[0]]
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


def _kms(call: Call) -> list[str]:
    return _kms_keys(call, ("KeyId", "TargetKeyId", "CiphertextBlob"))


def _kms_keys(call: Call, names: tuple[str, ...]) -> list[str]:
    """The key the first present parameter names. A Decrypt of a symmetric ciphertext may name no key:
    KMS reads it from the ciphertext (AWS KMS API Reference, Decrypt, KeyId: "optional for symmetric
    encryption KMS keys")."""
    for name in names:
        value = call.params.get(name)
        if isinstance(value, str) and value:
            key_id = resources.ciphertext_key_id(value) if name == "CiphertextBlob" else value
            return (
                [resources.key_arn(key_id, call.region, call.account) or _key_arn(call, key_id)]
                if key_id
                else []
            )
    return []


def _key_arn(call: Call, key_id: str) -> str:
    """A key the endpoint does not hold, as named: an id stands for a key of the caller's account."""
    return key_id if key_id.startswith(("arn:", "alias/")) else call.arn("kms", f"key/{key_id}")


def _lambda(call: Call) -> list[str] | None:
    name = call.params.get("FunctionName") or call.params.get("function_name")
    return [resources.function_arn(name, call.region, call.account)] if name else None


def _states(call: Call) -> list[str]:
    p = call.params
    named = [
        p[name]
        for name in ("stateMachineArn", "executionArn", "mapRunArn", "resourceArn", "activityArn")
        if p.get(name)
    ]
    if call.operation in ("CreateStateMachine", "CreateActivity") and p.get("name"):
        kind = "stateMachine" if call.operation == "CreateStateMachine" else "activity"
        named.append(call.arn("states", f"{kind}:{p['name']}"))
    return named


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


def _s3(call: Call) -> list[str]:
    bucket, key = call.params.get("Bucket"), call.params.get("Key")
    if not bucket:
        return []
    return [f"arn:aws:s3:::{bucket}/{key}" if key is not None else f"arn:aws:s3:::{bucket}"]


def _cloudformation(call: Call) -> list[str]:
    name = call.params.get("StackName")
    arn = resources.stack_arn(name, call.region, call.account) if name else None
    return [arn] if arn else []


def _iam(call: Call) -> list[str]:
    p = call.params
    named = [resources.role_arn(call.account, p["RoleName"])] if p.get("RoleName") else []
    named += [f"arn:aws:iam::{call.account}:user/{p['UserName']}"] if p.get("UserName") else []
    return named + ([p["PolicyArn"]] if p.get("PolicyArn") else [])


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
    "s3": _s3,
    "cloudformation": _cloudformation,
    "iam": _iam,
}
