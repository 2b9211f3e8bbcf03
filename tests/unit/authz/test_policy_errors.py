"""What the engine cannot evaluate faithfully is an error that names it, never a silent true."""

import json

import pytest

from local.authz import NamedPolicy, PolicyError, PolicySet, Principal, Request, evaluate

ROLE = Principal("arn:aws:iam::111122223333:role/Worker", "111122223333")
REQUEST = Request(ROLE, "s3:GetObject", "arn:aws:s3:::bucket/key", {})


def identity_statement(**extra: object) -> dict:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **extra}


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (identity_statement(Condition={"StringEqualsAny": {"aws:SourceArn": "x"}}), "'StringEqualsAny'"),
        (
            identity_statement(Condition={"ForSomeValues:StringEquals": {"aws:TagKeys": "x"}}),
            "'ForSomeValues:StringEquals'",
        ),
        (identity_statement(Condition={"NullIfExists": {"aws:SourceArn": "true"}}), "'NullIfExists'"),
        (identity_statement(Condition={"StringEquals": {"aws:SourceArnn": "x"}}), "'aws:SourceArnn'"),
        (identity_statement(Condition={"StringEquals": {"kms:ViaServices": "x"}}), "'kms:ViaServices'"),
        (identity_statement(Condition={"StringEquals": {"nosuchservice:Key": "x"}}), "'nosuchservice:Key'"),
        (identity_statement(Condition={"NumericLessThan": {"s3:max-keys": "ten"}}), "'ten'"),
        (identity_statement(Condition={"IpAddress": {"aws:SourceIp": "300.1.1.1/8"}}), "'300.1.1.1/8'"),
        (identity_statement(Condition={"Bool": {"aws:SecureTransport": "yes"}}), "'yes'"),
        (identity_statement(Condition={"DateLessThan": {"aws:CurrentTime": "tomorrow"}}), "'tomorrow'"),
        (identity_statement(Resource="arn:aws:s3:::${aws:nosuchkey}/*"), "${aws:nosuchkey}"),
        (identity_statement(Condition={"StringLike": {"s3:prefix": "${*}"}}), "${*}"),
        (identity_statement(Effect="Permit"), "Effect 'Permit'"),
        (identity_statement(Principal="*"), "Principal"),
        (identity_statement(Actions="s3:*"), "'Actions'"),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, "no Resource"),
        (identity_statement(NotAction="s3:PutObject"), "both Action and NotAction"),
        (identity_statement(Action="GetObject"), "'GetObject'"),
    ],
)
def test_identity_policy_errors_name_the_element(statement: dict, named: str) -> None:
    policies = PolicySet(
        [NamedPolicy("role/Worker inline", {"Version": "2012-10-17", "Statement": [statement]})]
    )
    with pytest.raises(PolicyError) as raised:
        evaluate(REQUEST, policies)
    assert named in str(raised.value)
    assert "role/Worker inline" in str(raised.value)


@pytest.mark.parametrize(
    ("principal", "named"),
    [
        ({"CanonicalUser": "abc"}, "'CanonicalUser'"),
        ({"AWS": []}, "principal value []"),
        ([], "Principal []"),
    ],
)
def test_resource_policy_principal_errors(principal: object, named: str) -> None:
    bucket = {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": principal}}
    with pytest.raises(PolicyError, match="bucket policy") as raised:
        evaluate(REQUEST, PolicySet([], resource=NamedPolicy("bucket policy", bucket)))
    assert named in str(raised.value)


def test_resource_policy_statement_without_principal_is_an_error() -> None:
    bucket = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    with pytest.raises(PolicyError, match="bucket policy statement #0 has no Principal or NotPrincipal"):
        evaluate(REQUEST, PolicySet([], resource=NamedPolicy("bucket policy", bucket)))


def test_policy_given_as_text_must_be_json() -> None:
    with pytest.raises(PolicyError, match="role/Worker inline is not valid JSON"):
        evaluate(REQUEST, PolicySet([NamedPolicy("role/Worker inline", "{not json")]))


def test_unknown_key_in_a_statement_that_does_not_apply_is_still_an_error() -> None:
    statement = identity_statement(Action="sqs:SendMessage", Condition={"StringEquals": {"sqs:Bogus": "x"}})
    with pytest.raises(PolicyError, match="'sqs:Bogus'"):
        evaluate(REQUEST, PolicySet([NamedPolicy("p", {"Version": "2012-10-17", "Statement": [statement]})]))


def test_policy_given_as_text_or_mapping_decides_the_same() -> None:
    document = {"Version": "2012-10-17", "Statement": [identity_statement()]}
    as_text = evaluate(REQUEST, PolicySet([NamedPolicy("p", json.dumps(document))]))
    assert as_text == evaluate(REQUEST, PolicySet([NamedPolicy("p", document)]))
    assert as_text.allowed
