"""Condition operators behave as the IAM condition-operator documentation describes."""

import pytest

from local.authz import NamedPolicy, PolicySet, Principal, Request, evaluate

ROLE = Principal("arn:aws:iam::111122223333:role/Worker", "111122223333")


def allowed_when(condition: dict, context: dict) -> bool:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}],
    }
    request = Request(ROLE, "s3:GetObject", "arn:aws:s3:::bucket/key", context)
    return evaluate(request, PolicySet([NamedPolicy("role/Worker inline", policy)])).allowed


CASES = [
    # String operators; several values for one key are OR
    (
        "StringEquals match",
        {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        {"aws:SourceAccount": "111122223333"},
        True,
    ),
    (
        "StringEquals is case-sensitive",
        {"StringEquals": {"aws:UserAgent": "Boto3"}},
        {"aws:UserAgent": "boto3"},
        False,
    ),
    (
        "StringEquals any of several values",
        {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
        {"aws:RequestedRegion": "us-east-1"},
        True,
    ),
    ("StringEquals on missing key", {"StringEquals": {"aws:SourceAccount": "111122223333"}}, {}, False),
    (
        "StringNotEquals on missing key is true",
        {"StringNotEquals": {"aws:SourceAccount": "111122223333"}},
        {},
        True,
    ),
    (
        "StringNotEquals matches none of the values (NOR)",
        {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
        {"aws:RequestedRegion": "us-east-1"},
        False,
    ),
    (
        "StringNotEquals other value",
        {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
        {"aws:RequestedRegion": "ap-south-1"},
        True,
    ),
    (
        "StringEqualsIgnoreCase",
        {"StringEqualsIgnoreCase": {"aws:UserAgent": "BOTO3"}},
        {"aws:UserAgent": "boto3"},
        True,
    ),
    (
        "StringNotEqualsIgnoreCase",
        {"StringNotEqualsIgnoreCase": {"aws:UserAgent": "BOTO3"}},
        {"aws:UserAgent": "boto3"},
        False,
    ),
    (
        "StringLike with *",
        {"StringLike": {"s3:prefix": ["datasets/*"]}},
        {"s3:prefix": "datasets/digits/"},
        True,
    ),
    ("StringLike with ?", {"StringLike": {"s3:prefix": "home/?/"}}, {"s3:prefix": "home/a/"}, True),
    (
        "StringLike ? is one character",
        {"StringLike": {"s3:prefix": "home/?/"}},
        {"s3:prefix": "home/ab/"},
        False,
    ),
    (
        "StringNotLike",
        {"StringNotLike": {"s3:prefix": "training-output/*"}},
        {"s3:prefix": "datasets/x"},
        True,
    ),
    # IfExists: absent key is true, present key is tested
    ("StringEqualsIfExists absent", {"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, True),
    (
        "StringEqualsIfExists present, other value",
        {"StringEqualsIfExists": {"aws:SourceAccount": "1"}},
        {"aws:SourceAccount": "2"},
        False,
    ),
    ("BoolIfExists absent", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {}, True),
    # Null tests presence
    ("Null true on absent key", {"Null": {"aws:SourceArn": "true"}}, {}, True),
    (
        "Null true on present key",
        {"Null": {"aws:SourceArn": "true"}},
        {"aws:SourceArn": "arn:aws:s3:::b"},
        False,
    ),
    (
        "Null false on present key",
        {"Null": {"aws:SourceArn": "false"}},
        {"aws:SourceArn": "arn:aws:s3:::b"},
        True,
    ),
    # Numeric and Date
    ("NumericLessThanEquals", {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, True),
    ("NumericGreaterThan", {"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False),
    ("NumericNotEquals", {"NumericNotEquals": {"s3:max-keys": ["1", "2"]}}, {"s3:max-keys": 3}, True),
    ("NumericEquals on a non-number", {"NumericEquals": {"s3:max-keys": "1"}}, {"s3:max-keys": "one"}, False),
    (
        "DateLessThan",
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2026-06-30T12:00:00Z"},
        True,
    ),
    (
        "DateGreaterThanEquals epoch",
        {"DateGreaterThanEquals": {"aws:EpochTime": "1700000000"}},
        {"aws:EpochTime": 1700000000},
        True,
    ),
    (
        "DateNotEquals",
        {"DateNotEquals": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}},
        {"aws:TokenIssueTime": "2026-01-01T00:00:00+00:00"},
        False,
    ),
    (
        "DateGreaterThan on the derived aws:CurrentTime",
        {"DateGreaterThan": {"aws:CurrentTime": "2000-01-01"}},
        {},
        True,
    ),
    # Bool, Binary, IP
    ("Bool true", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True}, True),
    ("Bool false vs true", {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": True}, False),
    ("Bool on missing key", {"Bool": {"aws:SecureTransport": "false"}}, {}, False),
    (
        "BinaryEquals",
        {"BinaryEquals": {"aws:UserAgent": "QmluYXJ5VmFsdWU="}},
        {"aws:UserAgent": "QmluYXJ5VmFsdWU="},
        True,
    ),
    (
        "IpAddress in range",
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "203.0.113.7"},
        True,
    ),
    (
        "IpAddress out of range",
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "10.0.0.1"},
        False,
    ),
    (
        "NotIpAddress",
        {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
        {"aws:SourceIp": "10.0.0.1"},
        True,
    ),
    # ARN operators compare the six parts separately
    (
        "ArnLike",
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads-*"}},
        {"aws:SourceArn": "arn:aws:s3:::uploads-1"},
        True,
    ),
    (
        "ArnEquals with wildcard region",
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:topic"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"},
        True,
    ),
    (
        "ArnLike part wildcard does not cross ':'",
        {"ArnLike": {"aws:SourceArn": "arn:aws:*:111122223333:topic"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"},
        False,
    ),
    (
        "ArnNotLike",
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::uploads-*"}},
        {"aws:SourceArn": "arn:aws:s3:::x"},
        True,
    ),
    (
        "ArnLike on a non-ARN",
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
        {"aws:SourceArn": "bucket"},
        False,
    ),
    # set qualifiers on multivalued keys
    (
        "ForAllValues subset",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
        {"aws:TagKeys": ["team"]},
        True,
    ),
    (
        "ForAllValues with an extra value",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
        {"aws:TagKeys": ["team", "cost"]},
        False,
    ),
    (
        "ForAllValues on absent key is true",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
        {},
        True,
    ),
    (
        "ForAnyValue one match",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}},
        {"aws:TagKeys": ["cost", "env"]},
        True,
    ),
    (
        "ForAnyValue no match",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
        {"aws:TagKeys": ["cost"]},
        False,
    ),
    (
        "ForAnyValue on absent key is false",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
        {},
        False,
    ),
    (
        "ForAnyValue:StringNotEquals",
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}},
        {"aws:TagKeys": ["team", "cost"]},
        True,
    ),
    (
        "ForAllValues:StringNotLike",
        {"ForAllValues:StringNotLike": {"aws:TagKeys": ["secret*"]}},
        {"aws:TagKeys": ["team", "secret-x"]},
        False,
    ),
    # several keys and several operators are AND
    (
        "two keys AND, both met",
        {"StringEquals": {"aws:SourceAccount": "111122223333", "aws:RequestedRegion": "us-east-1"}},
        {"aws:SourceAccount": "111122223333", "aws:RequestedRegion": "us-east-1"},
        True,
    ),
    (
        "two operators AND, one unmet",
        {"StringEquals": {"aws:SourceAccount": "111122223333"}, "Bool": {"aws:SecureTransport": "true"}},
        {"aws:SourceAccount": "111122223333", "aws:SecureTransport": False},
        False,
    ),
    # keys are case-insensitive; operators accept their documented spelling
    (
        "key names are case-insensitive",
        {"StringEquals": {"AWS:SOURCEACCOUNT": "1"}},
        {"aws:SourceAccount": "1"},
        True,
    ),
    # policy variables in condition values
    (
        "variable from the derived principal context",
        {"StringLike": {"s3:prefix": "home/${aws:PrincipalAccount}/*"}},
        {"s3:prefix": "home/111122223333/a"},
        True,
    ),
    (
        "variable with a default",
        {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'none'}"}},
        {"s3:prefix": "none"},
        True,
    ),
    (
        "variable absent from the request",
        {"StringEquals": {"s3:prefix": "${aws:SourceAccount}"}},
        {"s3:prefix": ""},
        False,
    ),
    (
        "service keys with templated names",
        {"StringEquals": {"kms:EncryptionContext:aws:logs:arn": "x"}},
        {"kms:EncryptionContext:aws:logs:arn": "x"},
        True,
    ),
]


@pytest.mark.parametrize(
    ("condition", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_condition(condition: dict, context: dict, expected: bool) -> None:
    assert allowed_when(condition, context) is expected


def test_variables_are_literal_text_in_a_2008_policy() -> None:
    policy = {
        "Version": "2008-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "*",
                "Condition": {"StringEquals": {"s3:prefix": "${aws:PrincipalAccount}"}},
            }
        ],
    }
    policies = PolicySet([NamedPolicy("old", policy)])
    literal = Request(ROLE, "s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "${aws:PrincipalAccount}"})
    substituted = Request(ROLE, "s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "111122223333"})
    assert evaluate(literal, policies).allowed
    assert not evaluate(substituted, policies).allowed
