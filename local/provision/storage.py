"""KMS keys and aliases, S3 buckets, bucket policies and the CDK's bucket-notifications custom resource."""

from __future__ import annotations

import json
from typing import Any

from local.provision.base import Context, Created, tag_list


def kms_key(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(
        props,
        {
            "Description",
            "EnableKeyRotation",
            "Enabled",
            "KeyPolicy",
            "KeySpec",
            "KeyUsage",
            "MultiRegion",
            "PendingWindowInDays",
            "RotationPeriodInDays",
            "Tags",
        },
    )
    kms = ctx.clients("kms")
    request: dict[str, Any] = {
        "Description": props.get("Description", ""),
        "KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        "KeySpec": props.get("KeySpec", "SYMMETRIC_DEFAULT"),
        "MultiRegion": bool(props.get("MultiRegion", False)),
        "Tags": [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tag_list(props.get("Tags"))],
    }
    if "KeyPolicy" in props:
        request["Policy"] = json.dumps(props["KeyPolicy"])
    metadata = kms.create_key(**request)["KeyMetadata"]
    key_id = metadata["KeyId"]
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=key_id)
    if props.get("Enabled") is False:
        kms.disable_key(KeyId=key_id)
    return Created(key_id, {"Arn": metadata["Arn"], "KeyId": key_id})


def kms_alias(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"AliasName", "TargetKeyId"})
    ctx.clients("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    return Created(props["AliasName"])


_BUCKET_PROPERTIES = {
    "BucketName",
    "BucketEncryption",
    "VersioningConfiguration",
    "LifecycleConfiguration",
    "PublicAccessBlockConfiguration",
    "OwnershipControls",
    "LoggingConfiguration",
    "NotificationConfiguration",
    "CorsConfiguration",
    "Tags",
}


def bucket(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, _BUCKET_PROPERTIES)
    s3 = ctx.clients("s3")
    name = props.get("BucketName") or ctx.physical_name(63, lower=True)
    create: dict[str, Any] = {"Bucket": name}
    if ctx.pseudo.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": ctx.pseudo.region}
    s3.create_bucket(**create)
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=_encryption(props))
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
    if "LifecycleConfiguration" in props:
        rules = [_lifecycle_rule(rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "CorsConfiguration" in props:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration=_cors(props["CorsConfiguration"]))
    if "Tags" in props:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(props["Tags"])})
    # Access logging needs the target bucket's policy, and notifications need their targets'
    # permissions: both are applied once every resource exists.
    if "LoggingConfiguration" in props:
        logging = props["LoggingConfiguration"]
        status = {
            "LoggingEnabled": {
                "TargetBucket": logging["DestinationBucketName"],
                "TargetPrefix": logging.get("LogFilePrefix", ""),
            }
        }
        ctx.deferred.append(lambda: s3.put_bucket_logging(Bucket=name, BucketLoggingStatus=status))
    if "NotificationConfiguration" in props:
        notifications = _notifications(props["NotificationConfiguration"])
        ctx.deferred.append(
            lambda: s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration=notifications
            )
        )
    arn = f"arn:{ctx.pseudo.partition}:s3:::{name}"
    domain = f"{name}.s3.{ctx.pseudo.url_suffix}"
    regional = f"{name}.s3.{ctx.pseudo.region}.{ctx.pseudo.url_suffix}"
    return Created(
        name,
        {
            "Arn": arn,
            "DomainName": domain,
            "RegionalDomainName": regional,
            "DualStackDomainName": f"{name}.s3.dualstack.{ctx.pseudo.region}.{ctx.pseudo.url_suffix}",
            "WebsiteURL": f"http://{name}.s3-website-{ctx.pseudo.region}.{ctx.pseudo.url_suffix}",
        },
    )


def _encryption(props: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]:
        converted: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]
        }
        if "BucketKeyEnabled" in rule:
            converted["BucketKeyEnabled"] = rule["BucketKeyEnabled"]
        rules.append(converted)
    return {"Rules": rules}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape -> the PutBucketLifecycleConfiguration shape."""
    converted: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    expiration = {
        api: rule[cfn]
        for cfn, api in (
            ("ExpirationInDays", "Days"),
            ("ExpirationDate", "Date"),
            ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"),
        )
        if cfn in rule
    }
    if expiration:
        converted["Expiration"] = expiration
    if "NoncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    elif "NoncurrentVersionExpirationInDays" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]
        }
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    if "Transitions" in rule:
        converted["Transitions"] = [
            {
                "StorageClass": t["StorageClass"],
                **(
                    {"Days": t["TransitionInDays"]}
                    if "TransitionInDays" in t
                    else {"Date": t["TransitionDate"]}
                ),
            }
            for t in rule["Transitions"]
        ]
    if "NoncurrentVersionTransitions" in rule:
        converted["NoncurrentVersionTransitions"] = [
            {"StorageClass": t["StorageClass"], "NoncurrentDays": t["TransitionInDays"]}
            for t in rule["NoncurrentVersionTransitions"]
        ]
    return converted


def _cors(config: dict[str, Any]) -> dict[str, Any]:
    renames = {
        "AllowedHeaders": "AllowedHeaders",
        "AllowedMethods": "AllowedMethods",
        "AllowedOrigins": "AllowedOrigins",
        "ExposedHeaders": "ExposeHeaders",
        "Id": "ID",
        "MaxAge": "MaxAgeSeconds",
    }
    return {"CORSRules": [{renames[k]: v for k, v in rule.items()} for rule in config["CorsRules"]]}


def _notifications(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration -> the PutBucketNotificationConfiguration shape."""
    kinds = (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    )
    converted: dict[str, Any] = {}
    for cfn_key, api_key, target, api_target in kinds:
        converted[api_key] = [
            {
                api_target: item[target],
                "Events": [item["Event"]],
                **(
                    {"Filter": {"Key": {"FilterRules": item["Filter"]["S3Key"]["Rules"]}}}
                    if "Filter" in item
                    else {}
                ),
            }
            for item in config.get(cfn_key, [])
        ]
    if config.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled"):
        converted["EventBridgeConfiguration"] = {}
    return converted


def bucket_policy(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, {"Bucket", "PolicyDocument"})
    ctx.clients("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"]))
    return Created(props["Bucket"])


def bucket_notifications(ctx: Context, props: dict[str, Any]) -> Created:
    """The CDK's ``Custom::S3BucketNotifications``, applied directly instead of through its provider Lambda.

    With ``Managed: false`` the CDK handler keeps notifications it did not create; so does this.
    """
    ctx.check_properties(
        props,
        {"ServiceToken", "BucketName", "NotificationConfiguration", "Managed", "SkipDestinationValidation"},
    )
    s3 = ctx.clients("s3")
    name = props["BucketName"]
    wanted = dict(props.get("NotificationConfiguration", {}))
    if str(props.get("Managed", "true")).lower() == "false":
        existing = s3.get_bucket_notification_configuration(Bucket=name)
        for key, items in existing.items():
            if isinstance(items, list):
                wanted[key] = items + wanted.get(key, [])
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration=wanted,
        SkipDestinationValidation=str(props.get("SkipDestinationValidation", "false")).lower() == "true",
    )
    return Created(f"{name}-notifications")
