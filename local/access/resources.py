"""Names to ARNs, and the resource policies and encryption keys that moto's backends hold for them."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlparse

from local.authz import NamedPolicy

PARTITION = "aws"


def queue_arn(queue_url: str, region: str, account: str) -> str:
    parts = urlparse(queue_url).path.strip("/").split("/")
    owner, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (account, parts[-1])
    return f"arn:aws:sqs:{region}:{owner if owner.isdigit() else account}:{name}"


def table_arn(name: str, region: str, account: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def function_arn(name: str, region: str, account: str) -> str:
    if name.startswith("arn:"):
        return ":".join(name.split(":")[:7])
    return f"arn:aws:lambda:{region}:{account}:function:{name.split(':')[0]}"


def log_group_arn(name: str, region: str, account: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def alarm_arn(name: str, region: str, account: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"


def arn_account(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else default


def arn_region(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else default


def _document(value: Any) -> dict | None:
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode()
    return json.loads(value) if isinstance(value, str) else value


def bucket(name: str) -> Any:
    from moto.s3.models import s3_backends

    for _, account in list(s3_backends.items()):
        found = account[PARTITION].buckets.get(name)
        if found is not None:
            return found
    return None


def bucket_policy(name: str) -> NamedPolicy | None:
    found = bucket(name)
    document = _document(found.policy) if found is not None else None
    return NamedPolicy(f"bucket policy of {name}", document) if document else None


def bucket_owner(name: str, default: str) -> str:
    found = bucket(name)
    return found.account_id if found is not None else default


def bucket_kms_key(name: str) -> str | None:
    """The key of the bucket's default SSE-KMS encryption, if it has one."""
    found = bucket(name)
    rules = ((found.encryption or {}).get("Rule") if found is not None else None) or []
    for rule in rules if isinstance(rules, list) else [rules]:
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        if default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
            return default.get("KMSMasterKeyID") or "alias/aws/s3"
    return None


def queue(arn: str) -> Any:
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = arn.split(":", 5)
    return sqs_backends[account][region].queues.get(name)


def topic(arn: str) -> Any:
    from moto.sns.models import sns_backends

    _, _, _, region, account, _ = arn.split(":", 5)
    return sns_backends[account][region].topics.get(arn)


def messaging_policy(arn: str) -> NamedPolicy | None:
    """The policy of a queue or topic (their policy and KMS attributes have the same names)."""
    kind, found = ("queue", queue(arn)) if arn.startswith("arn:aws:sqs:") else ("topic", topic(arn))
    document = _document(found.policy) if found is not None else None
    return NamedPolicy(f"{kind} policy of {arn.rsplit(':', 1)[-1]}", document) if document else None


def messaging_kms_key(arn: str) -> str | None:
    found = queue(arn) if arn.startswith("arn:aws:sqs:") else topic(arn)
    return (getattr(found, "kms_master_key_id", None) or None) if found is not None else None


def function_policy(arn: str) -> NamedPolicy | None:
    from moto.awslambda.models import lambda_backends

    _, _, _, region, account, _ = arn.split(":", 5)
    try:
        function = lambda_backends[account][region].get_function(arn)
    except Exception:  # an unknown function: the call itself will say so
        return None
    statements = function.policy.statements if function.policy else []
    if not statements:
        return None
    document = {"Version": "2012-10-17", "Statement": statements}
    return NamedPolicy(f"resource policy of function {function.function_name}", document)


def key_arn(key_id: str, region: str, account: str) -> str | None:
    """The ARN of a key named by id, ARN, alias name or alias ARN; None when there is no such key."""
    from moto.kms.models import kms_backends

    region, account = arn_region(key_id, region), arn_account(key_id, account)
    backend = kms_backends[account][region]
    try:
        resolved = backend.any_id_to_key_id(key_id)
        return backend.keys[resolved].arn if resolved in backend.keys else None
    except Exception:  # an unknown alias or key
        return None


def key_policy(arn: str) -> NamedPolicy | None:
    from moto.kms.models import kms_backends

    _, _, _, region, account, resource = arn.split(":", 5)
    key = kms_backends[account][region].keys.get(resource.removeprefix("key/"))
    return NamedPolicy(f"key policy of {key.id}", _document(key.policy)) if key is not None else None


def identity_policies(account: str, role_name: str) -> list[NamedPolicy]:
    role = _role(account, role_name)
    if role is None:
        return []
    policies = [
        NamedPolicy(f"role/{role_name} inline {name}", _document(document))
        for name, document in role.policies.items()
    ]
    for arn, managed in role.managed_policies.items():
        version = next(v for v in managed.versions if v.is_default)
        policies.append(NamedPolicy(f"managed policy {arn.rsplit('/', 1)[-1]}", _document(version.document)))
    return policies


def _role(account: str, role_name: str) -> Any:
    from moto.iam.models import iam_backends

    for role in iam_backends[account][PARTITION].roles.values():
        if role.name == role_name:
            return role
    return None


def role_arn(account: str, role_name: str) -> str:
    """The role's ARN (with its path) when it exists, else the ARN a role of that name gets at path /."""
    role = _role(account, role_name)
    return role.arn if role is not None else f"arn:aws:iam::{account}:role/{role_name}"


def trust_policy(account: str, role_name: str) -> NamedPolicy | None:
    role = _role(account, role_name)
    if role is None:
        return None
    return NamedPolicy(f"trust policy of role/{role_name}", _document(role.assume_role_policy_document))


def ciphertext_key_id(blob: str) -> str | None:
    """The key id moto writes at the head of its ciphertexts (base64 in the JSON request)."""
    from moto.kms.utils import KEY_ID_LEN

    try:
        return base64.b64decode(blob, validate=True)[:KEY_ID_LEN].decode()
    except ValueError:  # not moto's ciphertext: KMS itself answers InvalidCiphertextException
        return None


def stack_arn(name: str, region: str, account: str) -> str | None:
    """The stack id (its ARN) of a stack named by name or id; None when there is no such stack."""
    from moto.cloudformation.models import cloudformation_backends

    if name.startswith("arn:"):
        return name
    stacks = cloudformation_backends[account][region].stacks.values()
    live = (stack for stack in stacks if stack.name == name and stack.status != "DELETE_COMPLETE")
    return next((stack.stack_id for stack in live), None)
