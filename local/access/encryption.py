"""The KMS calls a service makes on the caller's behalf (SSE-KMS), as extra checks on the caller.

S3, SQS and SNS use the caller's permissions on the key, with ``kms:ViaService`` set to the service:
- S3: ``PutObject`` (and copy, multipart) into SSE-KMS needs ``kms:GenerateDataKey``; ``GetObject`` of an
  SSE-KMS object needs ``kms:Decrypt`` (``HeadObject`` does not). The encryption context is the bucket
  ARN with S3 Bucket Keys, else the object ARN.
- SQS: ``SendMessage`` to a KMS queue needs ``kms:GenerateDataKey`` and ``kms:Decrypt``; ``ReceiveMessage``
  needs ``kms:Decrypt``.
- SNS: ``Publish`` to a KMS topic needs ``kms:GenerateDataKey`` and ``kms:Decrypt``.
SQS and SNS take their actions and keys from the caller rows of ``delivery_contexts``.
DynamoDB uses a grant it holds, not the caller's permissions, so it adds no check here.
"""

from __future__ import annotations

from typing import Any

from local.access import delivery_contexts, resources
from local.access.delivery_contexts import Facts
from local.access.requests import Check


def _context(service: str, region: str, account: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kms:ViaService": f"{service}.{region}.amazonaws.com",
        "kms:CallerAccount": account,
        **(extra or {}),
    }


def _messaging(check: Check, region: str, account: str) -> list[Check]:
    """The KMS checks SQS or SNS makes with the caller's permissions, per the caller's delivery row."""
    service = check.resource.split(":")[2] if check.resource.startswith("arn:aws:") else ""
    try:
        delivery = delivery_contexts.row("caller", service, check.action)
    except delivery_contexts.NoDeliveryContext:
        return []
    key_id = resources.messaging_kms_key(check.resource)
    if not key_id:
        return []
    key = resources.key_arn(key_id, region, resources.arn_account(check.resource, account)) or key_id
    facts = Facts("", account, check.resource, region, caller_account=account)
    context = delivery_contexts.context(delivery.kms_keys, facts)
    return [Check(action, key, context) for action in delivery.kms_actions]


def for_queue(check: Check, region: str, account: str) -> list[Check]:
    return _messaging(check, region, account) if check.resource.startswith("arn:aws:sqs:") else []


def for_topic(check: Check, region: str, account: str) -> list[Check]:
    return _messaging(check, region, account) if check.resource.startswith("arn:aws:sns:") else []


def for_object(
    action: str, bucket_name: str, key_name: str, region: str, account: str, kms_key_id: str | None
) -> list[Check]:
    """`kms_key_id`: the key the object is (to be) encrypted with, None when it is not SSE-KMS."""
    if not kms_key_id:
        return []
    bucket = resources.bucket(bucket_name)
    owner = bucket.account_id if bucket is not None else account
    key = resources.key_arn(kms_key_id, region, owner) or kms_key_id
    bucket_arn = f"arn:aws:s3:::{bucket_name}"
    bucket_key = bucket is not None and _bucket_key_enabled(bucket)
    context = {"kms:EncryptionContext:aws:s3:arn": bucket_arn if bucket_key else f"{bucket_arn}/{key_name}"}
    kms_action = "kms:GenerateDataKey" if action == "s3:PutObject" else "kms:Decrypt"
    return [Check(kms_action, key, _context("s3", region, account, context))]


def _bucket_key_enabled(bucket: Any) -> bool:
    rules = (bucket.encryption or {}).get("Rule") or []
    for rule in rules if isinstance(rules, list) else [rules]:
        if str(rule.get("BucketKeyEnabled", "false")).lower() == "true":
            return True
    return False


def object_kms_key(bucket_name: str, key_name: str, version_id: str | None) -> str | None:
    """The key an existing object was encrypted with."""
    bucket = resources.bucket(bucket_name)
    if bucket is None:
        return None
    try:
        key = bucket.keys.getlist(key_name) or []  # None for a missing key
    except Exception:  # no such key: the call itself reports it
        return None
    chosen = next(
        (k for k in key if version_id and str(k.version_id) == version_id), key[-1] if key else None
    )
    if chosen is None or getattr(chosen, "encryption", None) not in ("aws:kms", "aws:kms:dsse"):
        return None
    return chosen.kms_key_id or resources.bucket_kms_key(bucket_name)
