"""Function URLs with AuthType AWS_IAM on the local endpoint: SigV4, lambda:InvokeFunctionUrl with its
condition keys, the payload format 2.0 with the verified caller, and Lambda's response mapping."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from local import lambda_hook
from local.endpoint import LocalEndpoint
from local.function_urls import local_url
from tests.unit.access.test_endpoint_authorization import ACCOUNT, REGION, Endpoint, _document

ECHO = """import json
def handler(event, context):
    asked = json.loads(event["body"] or "{}")
    if asked.get("fail"):
        raise ValueError("asked to fail")
    seen = {"userArn": event["requestContext"]["authorizer"]["iam"]["userArn"],
            "rawPath": event["rawPath"], "query": event["rawQueryString"], "asked": asked,
            "version": event["version"], "method": event["requestContext"]["http"]["method"]}
    if asked.get("plain"):
        return seen
    return {"statusCode": 201, "headers": {"x-seen": "yes"}, "body": json.dumps(seen)}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Endpoint, str, str]]:
    handlers = tmp_path_factory.mktemp("handlers")
    (handlers / "echo_url.py").write_text(ECHO)
    with pytest.MonkeyPatch.context() as patch, LocalEndpoint(reset=True) as running:
        patch.setattr(lambda_hook, "HANDLERS_DIR", handlers)
        endpoint = Endpoint(running.url)
        trust = {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
        role = endpoint.client("iam").create_role(RoleName="echo", AssumeRolePolicyDocument=_document(trust))
        lambda_ = endpoint.client("lambda")
        function = lambda_.create_function(
            FunctionName="echo",
            Runtime="python3.13",
            Role=role["Role"]["Arn"],
            Handler="handlers.echo_url.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )
        url = lambda_.create_function_url_config(FunctionName="echo", AuthType="AWS_IAM")["FunctionUrl"]
        yield endpoint, local_url(running.url, url), function["FunctionArn"]


def post(
    url: str, body: dict[str, Any], session: boto3.Session | None, tamper: bool = False
) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if session is not None:
        signed = AWSRequest(method="POST", url=url, data=data, headers=headers)
        SigV4Auth(session.get_credentials().get_frozen_credentials(), "lambda", REGION).add_auth(signed)
        headers = dict(signed.headers.items())
    if tamper:
        data = json.dumps({**body, "tampered": True}).encode()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers, method="POST")
        ) as got:
            return got.status, (json.loads(got.read()), got.headers.get("x-seen"))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def invoker(endpoint: Endpoint, name: str, function_arn: str, auth_type: str) -> boto3.Session:
    return endpoint.role(name, {
        "Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": function_arn,
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": auth_type}},
    })  # fmt: skip


def test_a_caller_allowed_with_iam_auth_reaches_the_function_as_its_verified_session(served) -> None:
    endpoint, url, function_arn = served
    approver = invoker(endpoint, "approver", function_arn, "AWS_IAM")
    status, (seen, header) = post(url + "decide?x=1", {"decision": "approve"}, approver)
    assert (status, header) == (201, "yes")
    assert seen["userArn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/approver/tester"
    assert (seen["rawPath"], seen["query"], seen["version"], seen["method"]) == (
        "/decide",
        "x=1",
        "2.0",
        "POST",
    )
    assert seen["asked"] == {"decision": "approve"}


def test_a_result_without_status_code_is_200_json_and_an_error_is_502(served) -> None:
    endpoint, url, function_arn = served
    approver = invoker(endpoint, "plain", function_arn, "AWS_IAM")
    status, (seen, _) = post(url, {"plain": True}, approver)
    assert status == 200 and seen["asked"] == {"plain": True}
    assert post(url, {"fail": True}, approver) == (502, {"Message": "Internal Server Error"})


def test_unsigned_tampered_unpermitted_or_wrong_auth_type_callers_are_forbidden(served) -> None:
    endpoint, url, function_arn = served
    forbidden = (403, {"Message": "Forbidden"})
    assert post(url, {}, None) == forbidden
    assert post(url, {}, invoker(endpoint, "tamperer", function_arn, "AWS_IAM"), tamper=True) == forbidden
    assert (
        post(
            url,
            {},
            endpoint.role(
                "nobody", {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn}
            ),
        )
        == forbidden
    )
    assert post(url, {}, invoker(endpoint, "public-only", function_arn, "NONE")) == forbidden


def test_an_unknown_url_id_is_not_found(served) -> None:
    _, url, _ = served
    assert post(url.rsplit("/lambda-url/", 1)[0] + "/lambda-url/nosuchid/", {}, None)[0] == 404


def test_a_signature_older_than_15_minutes_is_forbidden(served, monkeypatch) -> None:
    endpoint, url, function_arn = served
    approver = invoker(endpoint, "late", function_arn, "AWS_IAM")
    assert post(url, {"plain": True}, approver)[0] == 200
    signed_earlier = datetime.now(UTC) - timedelta(minutes=16)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: signed_earlier)
    assert post(url, {"plain": True}, approver) == (403, {"Message": "Forbidden"})
