"""Every action any synthesized policy allows (both stacks, people's managed policies, key and resource
policies) is authorized offline on every resource type the Service Authorization Reference requires,
each built from an example request shaped by botocore's model of the operation."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from local.access.requests import ACTION_NAMES, Call, checks_for
from local.access.required_resources import ONE_OF_REQUIRED, STANDS_FOR, types_of
from local.authz.arn_patterns import arn_pattern_overlaps
from local.authz.catalog import action_exists, actions_matching
from tests.infra.synth import build_stack, json_of, production_stack

REGION, ACCOUNT = "us-east-1", "111111111111"
PROJECT = f"arn:aws:rekognition:{REGION}:{ACCOUNT}:project/destination/1700000000000"
SOURCE_PROJECT = f"arn:aws:rekognition:{REGION}:222222222222:project/source/1600000000000"
SOURCE_VERSION = f"{SOURCE_PROJECT.rsplit('/', 1)[0]}/version/v1/1600000000001"
VERSION = f"{PROJECT.rsplit('/', 1)[0]}/version/v1/1700000000001"
DATASET = f"{PROJECT.rsplit('/', 1)[0]}/dataset/train/1700000000002"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b9e2b5e-7c1d-4c55-9d38-111111111111"
# Values for botocore input members, by member name (service-specific ones as "service.Member").
EXAMPLES: dict[str, Any] = {
    "ProjectArn": PROJECT,
    "ProjectVersionArn": VERSION,
    "DatasetArn": DATASET,
    "SourceProjectArn": SOURCE_PROJECT,
    "SourceProjectVersionArn": SOURCE_VERSION,
    "DestinationProjectArn": PROJECT,
    "rekognition.ResourceArn": PROJECT,
    "Datasets": [{"Arn": DATASET}],
    "TableName": "registry",
    "RequestItems": {"registry": {}},
    "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/detect",
    "QueueName": "detect",
    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:ends",
    "KeyId": KEY,
    "CiphertextBlob": base64.b64encode(KEY.rsplit("/", 1)[1].encode() + b"\0" * 28).decode(),
    "FunctionName": "detect",
    "stateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:training",
    "executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:training:run-1",
    "mapRunArn": f"arn:aws:states:{REGION}:{ACCOUNT}:mapRun:batch/AnalyseImages:0b9e2b5e",
    "logGroupName": "/aws/vendedlogs/states/training",
    "logStreamName": "run-1",
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/promotion",
    "StackName": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/CustomLabelsPipeline/1a2b",
    "Bucket": "console-bucket",
    "Key": "datasets/train.manifest",
    "DestinationKeyId": KEY,
    "AlarmNames": ["CustomLabelsPipeline-DriftAlarm"],
    "StreamArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/results/stream/2026-01-01T00:00:00.000",
    # opaque in AWS; the local endpoint's iterators start with their stream's ARN (local/stream_shards.py)
    "ShardIterator": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/results/stream/2026-01-01T00:00:00.000|1|it",
}
# IAM prefix -> botocore service name, where they differ.
BOTOCORE_NAMES = {"states": "stepfunctions"}
# Actions botocore models in another service than their IAM prefix: DynamoDB Streams' operations are
# authorized as dynamodb:* (Service Authorization Reference, resource type `stream`).
MODEL_OF = dict.fromkeys(
    ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"), "dynamodbstreams"
)
# Actions no operation of the same name performs: the operation whose request AWS authorizes with them.
OPERATIONS = {
    "s3:GetObjectVersion": "GetObject",
    "s3:GetObjectVersionTagging": "GetObjectTagging",
    "s3:ListBucket": "ListObjectsV2",
    "s3:ListMultipartUploadParts": "ListParts",
    "lambda:InvokeFunction": "Invoke",
    "kms:ReEncryptFrom": "ReEncrypt",
    "kms:ReEncryptTo": "ReEncrypt",
}
# Actions whose optional resource types no request parameter names: AWS authorizes them on `*`.
# cloudwatch:GetMetricData's only type (`dataset`, the reference's CloudWatch Metrics Insights dataset)
# has no request parameter; the CloudWatch User Guide says GetMetricData "does not support resource-level
# permissions" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html).
ON_ANY_RESOURCE = {"cloudwatch:GetMetricData"}
# Actions no API operation performs, with the resource the endpoint authorizes them on where the request
# arrives. lambda:InvokeFunctionUrl is a SigV4-signed HTTP request to the function's URL (Lambda Developer
# Guide, "Invoking Lambda function URLs"): local/function_urls.py authorizes it on the function's ARN.
OUTSIDE_THE_API = {"lambda:InvokeFunctionUrl": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:decide-approval"}


def _policy_documents(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("Statement"), list):
            yield node
        for value in node.values():
            yield from _policy_documents(value)
    elif isinstance(node, list):
        for value in node:
            yield from _policy_documents(value)


def _delegates_to_iam(statement: dict[str, Any]) -> bool:
    """The default key policy statement (kms:* to the account) only lets IAM policies grant the key:
    AWS KMS Developer Guide, "Default key policy"."""
    principal = statement.get("Principal", {})
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    return statement.get("Action") == "kms:*" and aws is not None and "root" in str(aws)


def _allowed_actions(templates: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for template in templates:
        for document in _policy_documents(template["Resources"]):
            for statement in document["Statement"]:
                if statement.get("Effect") != "Allow" or _delegates_to_iam(statement):
                    continue
                listed = statement.get("Action", [])
                for pattern in [listed] if isinstance(listed, str) else listed:
                    actions.update(actions_matching(pattern))
    return actions


@pytest.fixture(scope="module")
def allowed_actions(template_json: dict[str, Any]) -> list[str]:
    training = build_stack(productionAccount="222222222222", trainingAccount=ACCOUNT)
    templates = [template_json, json_of(training), json_of(production_stack(training))]
    return sorted(_allowed_actions(templates))


def _operation(action: str) -> tuple[Any, str]:
    prefix, _, name = action.partition(":")
    service = MODEL_OF.get(action) or BOTOCORE_NAMES.get(prefix, prefix)
    model = botocore.session.get_session().get_service_model(service)
    reverse = {iam: operation for operation, iam in ACTION_NAMES.items() if iam.startswith(f"{prefix}:")}
    operation = OPERATIONS.get(action) or (name if name in model.operation_names else None)
    operation = operation or (reverse[action].partition(":")[2] if action in reverse else None)
    assert operation in model.operation_names, (
        f"{action}: no operation of botocore's {model.service_name} model"
    )
    return model, operation


def example_request(action: str) -> tuple[str, dict[str, Any]]:
    """(operation, parameters): every input member of the operation that EXAMPLES has a value for."""
    model, operation = _operation(action)
    prefix = action.partition(":")[0]
    members = model.operation_model(operation).input_shape.members
    params = {
        member: EXAMPLES[f"{prefix}.{member}"] if f"{prefix}.{member}" in EXAMPLES else EXAMPLES[member]
        for member in members
        if member in EXAMPLES or f"{prefix}.{member}" in EXAMPLES
    }
    return operation, params


def _unbuilt_types(action: str) -> list[str]:
    """The resource types the action must be authorized on that the checks of its example request miss."""
    kinds = types_of(action) or ()
    if action in OUTSIDE_THE_API:
        resources = [OUTSIDE_THE_API[action]]
    else:
        operation, params = example_request(action)
        call = Call(action.partition(":")[0], operation, params, REGION, ACCOUNT)
        resources = [check.resource for check in checks_for(call)]

    def built(name: str) -> bool:
        template = next(kind.arn for kind in kinds if kind.name == name)
        return any(arn_pattern_overlaps(resource, template) for resource in resources)

    required = [kind.name for kind in kinds if kind.required]
    if action in ONE_OF_REQUIRED:
        return [] if any(built(name) for name in required) else required
    if required:
        return [name for name in required if not (built(name) or built(STANDS_FOR.get((action, name), name)))]
    return [] if any(built(kind.name) for kind in kinds) else [kind.name for kind in kinds]


def test_every_allowed_action_is_authorized_on_each_required_resource_type(
    allowed_actions: list[str],
) -> None:
    # the production copy role, the people's ReviewerAccess policy, a key policy
    assert {"rekognition:CopyProjectVersion", "cloudformation:DescribeStacks", "kms:GenerateDataKey"} <= set(
        allowed_actions
    )
    with_types = [a for a in allowed_actions if action_exists(a) and types_of(a) and a not in ON_ANY_RESOURCE]
    unbuilt = {action: missing for action in with_types if (missing := _unbuilt_types(action))}
    assert unbuilt == {}
    assert set(allowed_actions) >= set(MODEL_OF)  # the result-document writer's stream reads


def test_copy_project_version_is_authorized_on_the_destination_project_and_the_source_version() -> None:
    operation, params = example_request("rekognition:CopyProjectVersion")
    checks = checks_for(Call("rekognition", operation, params, REGION, ACCOUNT))
    assert sorted(check.resource for check in checks) == sorted([PROJECT, SOURCE_VERSION])
