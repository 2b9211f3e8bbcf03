"""Authorizes an S3 call a service makes for its caller (forward access), by the forward-access rows of
``delivery_contexts``: the caller's identity policies, the bucket policy and the key policy decide."""

from __future__ import annotations

from typing import Any

from local.access import decisions, encryption, resources
from local.access.delivery_contexts import VERSIONED, row_for
from local.access.principals import Caller
from local.access.requests import Check


def refusal(caller: Caller, serving: str, operation: str, params: dict[str, Any], region: str) -> str | None:
    """Why S3 refuses `operation` (boto3 parameters), made for the caller of `serving`; None when allowed."""
    if caller.administrator:
        return None
    for check in _checks(caller, serving, operation, params, region):
        denial = decisions.decide(caller, check.action, check.resource, check.context, region)
        if denial is not None:
            return denial.message()
    return None


def _checks(caller: Caller, serving: str, operation: str, params: dict[str, Any], region: str) -> list[Check]:
    row = row_for(serving, operation)
    bucket, key = params["Bucket"], params.get("Key")
    bucket_arn = f"arn:aws:s3:::{bucket}"
    checks = [Check(action, bucket_arn, row.request_keys) for action in row.bucket_actions]
    if key is None:
        return checks
    versioned = VERSIONED if params.get("VersionId") else {}
    object_actions = dict.fromkeys(versioned.get(action, action) for action in row.object_actions)
    checks += [Check(action, f"{bucket_arn}/{key}", row.request_keys) for action in object_actions]
    kms_key = _object_key(operation, bucket, key, params)
    if row.kms_action and kms_key:
        account = caller.principal.account or ""
        s3_action = "s3:PutObject" if row.kms_action == "kms:GenerateDataKey" else "s3:GetObject"
        for check in encryption.for_object(s3_action, bucket, key, region, account, kms_key):
            checks.append(Check(check.action, check.resource, {**check.context, **row.request_keys}))
    return checks


def _object_key(operation: str, bucket: str, key: str, params: dict[str, Any]) -> str | None:
    """The KMS key S3 uses for the object: HeadObject reads no data, so it needs none."""
    if operation == "PutObject":
        requested = params.get("ServerSideEncryption")
        if requested and requested not in ("aws:kms", "aws:kms:dsse"):
            return None
        default = "alias/aws/s3" if requested else resources.bucket_kms_key(bucket)
        return params.get("SSEKMSKeyId") or default
    if operation == "GetObject":
        return encryption.object_kms_key(bucket, key, params.get("VersionId"))
    return None
