"""A stack update limited to policies: put a changed policy document of a deployed resource in place.

This is what CloudFormation does for a template whose only change is inside a policy, so a test can
serve "the template minus one grant" without deploying the stack again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from local.deploy import Deployment

# resource type -> the property that holds its policy document
DOCUMENT_PROPERTY = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
}


def document(deployment: Deployment, logical_id: str) -> dict[str, Any]:
    resource = deployment.resources[logical_id]
    return copy.deepcopy(resource.properties[DOCUMENT_PROPERTY[resource.type]])


def put_document(deployment: Deployment, logical_id: str, new: dict[str, Any]) -> None:
    resource = deployment.resources[logical_id]
    props, text, clients = resource.properties, json.dumps(new), deployment.clients
    match resource.type:
        case "AWS::IAM::Policy":
            for role in props.get("Roles", []):
                clients("iam").put_role_policy(
                    RoleName=role, PolicyName=props["PolicyName"], PolicyDocument=text
                )
        case "AWS::IAM::ManagedPolicy":
            iam = clients("iam")
            arn = resource.ref
            for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
                if not version["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True)
        case "AWS::KMS::Key":
            clients("kms").put_key_policy(KeyId=resource.ref, PolicyName="default", Policy=text)
        case "AWS::SNS::TopicPolicy":
            for arn in props["Topics"]:
                clients("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=text)
        case "AWS::SQS::QueuePolicy":
            for url in props["Queues"]:
                clients("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": text})
        case "AWS::S3::BucketPolicy":
            clients("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=text)
        case other:
            raise ValueError(f"{logical_id} is a {other}: only {', '.join(DOCUMENT_PROPERTY)} hold policies")


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]


@contextmanager
def _replaced(deployment: Deployment, logical_id: str, original: dict, changed: dict) -> Iterator[None]:
    put_document(deployment, logical_id, changed)
    try:
        yield
    finally:
        put_document(deployment, logical_id, original)


@contextmanager
def without_grant(
    deployment: Deployment, logical_id: str, action: str, where: Callable[[dict], bool] | None = None
) -> Iterator[int]:
    """The deployed policy of `logical_id` without `action` in its Allow statements (those `where` selects),
    for the duration of the block; yields how many statements lost it. Fails when none had it."""
    original = document(deployment, logical_id)
    statements = _statements(original)
    changed, kept = 0, []
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        if statement.get("Effect") != "Allow" or action not in actions or (where and not where(statement)):
            kept.append(statement)
            continue
        changed += 1
        rest = [a for a in actions if a != action]
        if rest:
            kept.append({**statement, "Action": rest if len(rest) > 1 else rest[0]})
    if not changed:
        raise ValueError(
            f"no Allow statement of {logical_id} grants {action}: {json.dumps(statements)[:1500]}"
        )
    with _replaced(deployment, logical_id, original, {**original, "Statement": kept}):
        yield changed


@contextmanager
def without_statement(deployment: Deployment, logical_id: str, sid: str) -> Iterator[None]:
    """The deployed policy of `logical_id` without its statement `sid` (an Allow or a Deny), for the
    duration of the block. Fails when it has no such statement."""
    original = document(deployment, logical_id)
    statements = _statements(original)
    kept = [statement for statement in statements if statement.get("Sid") != sid]
    if len(kept) == len(statements):
        raise ValueError(f"{logical_id} has no statement {sid}")
    with _replaced(deployment, logical_id, original, {**original, "Statement": kept}):
        yield


@contextmanager
def with_condition(
    deployment: Deployment, logical_id: str, sid: str, condition: dict[str, Any]
) -> Iterator[None]:
    """The deployed policy of `logical_id` with statement `sid` conditioned on `condition` instead, for the
    duration of the block (how a test puts back a condition the template no longer has)."""
    original = document(deployment, logical_id)
    statements = _statements(original)
    if not any(statement.get("Sid") == sid for statement in statements):
        raise ValueError(f"{logical_id} has no statement {sid}: {json.dumps(statements)[:1500]}")
    changed = [{**s, "Condition": condition} if s.get("Sid") == sid else s for s in statements]
    with _replaced(deployment, logical_id, original, {**original, "Statement": changed}):
        yield
