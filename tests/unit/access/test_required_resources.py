"""Each request is authorized on every resource type the Service Authorization Reference requires."""

from __future__ import annotations

import pytest

from local.access.requests import Call, checks_for
from local.access.required_resources import UnresolvedResource
from tests.unit.access.test_endpoint_authorization import ACCOUNT, REGION, Endpoint, _error, endpoint

__all__ = ["endpoint"]  # the module's running endpoint, shared with these tests


def _copy_request(endpoint: Endpoint) -> dict[str, str]:
    rekognition = endpoint.client("rekognition")
    source = rekognition.create_project(ProjectName="training")["ProjectArn"]
    destination = rekognition.create_project(ProjectName="production")["ProjectArn"]
    endpoint.client("s3").create_bucket(Bucket="console-bucket")  # the service refuses a missing one first
    return {
        "SourceProjectArn": source,
        "SourceProjectVersionArn": f"{source.rsplit('/', 1)[0]}/version/v1/1700000000000",
        "DestinationProjectArn": destination,
        "VersionName": "v1",
        "OutputConfig": {"S3Bucket": "console-bucket", "S3KeyPrefix": "training-output/"},
    }


def test_copy_needs_the_destination_project_as_well_as_the_source_version(endpoint: Endpoint) -> None:
    request = _copy_request(endpoint)
    source_only = {
        "Effect": "Allow",
        "Action": "rekognition:CopyProjectVersion",
        "Resource": f"arn:aws:rekognition:{REGION}:{ACCOUNT}:project/training/version/*",
    }
    copier = endpoint.client("rekognition", endpoint.role("source-only-copier", source_only))
    denied = _error(lambda: copier.copy_project_version(**request)).response["Error"]
    assert denied["Code"] == "AccessDeniedException"
    assert (
        f"rekognition:CopyProjectVersion on resource: {request['DestinationProjectArn']}" in denied["Message"]
    )

    destination = {**source_only, "Resource": request["DestinationProjectArn"]}
    copier = endpoint.client("rekognition", endpoint.role("copier", source_only, destination))
    answered = _error(lambda: copier.copy_project_version(**request)).response["Error"]
    # Authorized: the service itself answers, for a source version that does not exist.
    assert answered["Code"] == "ResourceNotFoundException", answered


def test_a_request_that_names_no_required_resource_is_refused_saying_which() -> None:
    call = Call("rekognition", "CreateProjectVersion", {"VersionName": "v1"}, REGION, ACCOUNT)
    with pytest.raises(UnresolvedResource, match=r"rekognition:CreateProjectVersion requires a project"):
        checks_for(call)


def test_a_query_on_an_index_is_authorized_on_the_index() -> None:
    call = Call("dynamodb", "Query", {"TableName": "registry", "IndexName": "byStatus"}, REGION, ACCOUNT)
    assert [check.resource for check in checks_for(call)] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/registry/index/byStatus"
    ]
