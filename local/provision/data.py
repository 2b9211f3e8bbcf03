"""DynamoDB tables, SSM parameters and CloudWatch log groups."""

from __future__ import annotations

from typing import Any

from local.provision.base import Context, Created, tag_list

_TABLE_PASS_THROUGH = {
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "TableClass",
    "DeletionProtectionEnabled",
}


def table(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "TableName",
            "SSESpecification",
            "StreamSpecification",
            "TimeToLiveSpecification",
            "PointInTimeRecoverySpecification",
            "Tags",
            *_TABLE_PASS_THROUGH,
        },
    )
    dynamodb = ctx.clients("dynamodb")
    name = props.get("TableName") or ctx.physical_name(255)
    request: dict[str, Any] = {
        "TableName": name,
        **{k: v for k, v in props.items() if k in _TABLE_PASS_THROUGH},
    }
    if "SSESpecification" in props:
        sse = props["SSESpecification"]
        request["SSESpecification"] = {
            "Enabled": bool(sse.get("SSEEnabled")),
            **{key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse},
        }
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    if "Tags" in props:
        request["Tags"] = tag_list(props["Tags"])
    description = dynamodb.create_table(**request)["TableDescription"]
    if "TimeToLiveSpecification" in props:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
    if "PointInTimeRecoverySpecification" in props:
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification=props["PointInTimeRecoverySpecification"]
        )
    attributes = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    return Created(name, attributes)


def parameter(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props, {"Name", "Type", "Value", "Description", "Tier", "AllowedPattern", "DataType", "Tags"}
    )
    name = props.get("Name") or f"CFN-{ctx.physical_name(128 - 4)}"
    request = {key: value for key, value in props.items() if key not in ("Name", "Tags")}
    if "Tags" in props:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]
    ctx.clients("ssm").put_parameter(Name=name, **request)
    return Created(name, {"Type": props["Type"], "Value": props["Value"]})


def log_group(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"LogGroupName", "KmsKeyId", "RetentionInDays", "LogGroupClass", "Tags"})
    logs = ctx.clients("logs")
    name = props.get("LogGroupName") or ctx.physical_name(512)
    request: dict[str, Any] = {"logGroupName": name}
    for cfn, api in (("KmsKeyId", "kmsKeyId"), ("LogGroupClass", "logGroupClass")):
        if cfn in props:
            request[api] = props[cfn]
    if "Tags" in props:
        request["tags"] = {tag["Key"]: tag["Value"] for tag in props["Tags"]}
    logs.create_log_group(**request)
    if "RetentionInDays" in props:
        logs.put_retention_policy(logGroupName=name, retentionInDays=props["RetentionInDays"])
    return Created(name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")})
