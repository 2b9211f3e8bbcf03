"""The training project's promotion policy: put once, left alone when it is there, and a run that races
another one reads again instead of failing."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from customlabels.promotion.contract import POLICY_NAME
from customlabels.promotion.sharing import share_project

PROJECT = "arn:aws:rekognition:us-east-1:111111111111:project/digits/1700000000000"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "rekognition:CopyProjectVersion"}],
}
LIST = {"ProjectArn": PROJECT, "MaxResults": 5}


def policy(document: dict, revision: str = "a" * 32) -> dict:
    return {"PolicyName": POLICY_NAME, "PolicyRevisionId": revision, "PolicyDocument": json.dumps(document)}


@pytest.fixture
def rekognition():
    client = boto3.client(
        "rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_the_same_policy_is_left_alone(rekognition) -> None:
    client, stubber = rekognition
    stubber.add_response("list_project_policies", {"ProjectPolicies": [policy(DOCUMENT)]}, LIST)
    shared = share_project(client, PROJECT, DOCUMENT)
    assert (shared.changed, shared.revisionId) == (False, "a" * 32)


def test_a_changed_policy_is_updated_with_its_revision(rekognition) -> None:
    client, stubber = rekognition
    stubber.add_response("list_project_policies", {"ProjectPolicies": [policy({"old": True})]}, LIST)
    put = {"ProjectArn": PROJECT, "PolicyName": POLICY_NAME, "PolicyDocument": json.dumps(DOCUMENT)}
    stubber.add_response(
        "put_project_policy", {"PolicyRevisionId": "b" * 32}, {**put, "PolicyRevisionId": "a" * 32}
    )
    assert share_project(client, PROJECT, DOCUMENT).revisionId == "b" * 32


def test_a_run_that_loses_the_race_finds_the_winners_policy(rekognition) -> None:
    client, stubber = rekognition
    stubber.add_response("list_project_policies", {"ProjectPolicies": []}, LIST)
    stubber.add_client_error("put_project_policy", "ResourceAlreadyExistsException")
    stubber.add_response("list_project_policies", {"ProjectPolicies": [policy(DOCUMENT, "c" * 32)]}, LIST)
    shared = share_project(client, PROJECT, DOCUMENT)
    assert (shared.changed, shared.revisionId) == (False, "c" * 32)


def test_other_errors_are_not_retried(rekognition) -> None:
    client, stubber = rekognition
    stubber.add_response("list_project_policies", {"ProjectPolicies": []}, LIST)
    stubber.add_client_error("put_project_policy", "MalformedPolicyDocumentException")
    with pytest.raises(ClientError):
        share_project(client, PROJECT, DOCUMENT)
