"""Project policies (revisions, document rules, quota) and CopyProjectVersion within and across accounts."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.emulator import moto_integration
from tests.fixtures.local_aws import REGION
from tests.unit.emulator.conftest import BUCKET
from tests.unit.emulator.test_lifecycle import OUTPUT, error_code, project_with_datasets, version

OTHER_ACCOUNT = "222222222222"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def allow_copy(principal: str, project_arn: str) -> str:
    versions = project_arn.rsplit("/", 1)[0] + "/version/*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "rekognition:CopyProjectVersion",
                    "Resource": versions,
                }
            ],
        }
    )


def test_policy_revisions_only_the_latest_one_counts(rekognition):
    project = rekognition.create_project(ProjectName="src")["ProjectArn"]
    document = allow_copy(f"arn:aws:iam::{OTHER_ACCOUNT}:root", project)
    first = rekognition.put_project_policy(ProjectArn=project, PolicyName="p", PolicyDocument=document)[
        "PolicyRevisionId"
    ]
    with pytest.raises(ClientError) as excinfo:
        rekognition.put_project_policy(ProjectArn=project, PolicyName="p", PolicyDocument=document)
    assert error_code(excinfo) == "ResourceAlreadyExistsException"
    second = rekognition.put_project_policy(
        ProjectArn=project, PolicyName="p", PolicyDocument=document, PolicyRevisionId=first
    )["PolicyRevisionId"]
    assert second != first
    for stale in (
        lambda: rekognition.put_project_policy(
            ProjectArn=project, PolicyName="p", PolicyDocument=document, PolicyRevisionId=first
        ),
        lambda: rekognition.delete_project_policy(ProjectArn=project, PolicyName="p", PolicyRevisionId=first),
    ):
        with pytest.raises(ClientError) as excinfo:
            stale()
        assert error_code(excinfo) == "InvalidPolicyRevisionIdException"
    listed = rekognition.list_project_policies(ProjectArn=project)["ProjectPolicies"]
    assert [(p["PolicyName"], p["PolicyRevisionId"], p["PolicyDocument"]) for p in listed] == [
        ("p", second, document)
    ]
    rekognition.delete_project_policy(ProjectArn=project, PolicyName="p", PolicyRevisionId=second)
    assert rekognition.list_project_policies(ProjectArn=project)["ProjectPolicies"] == []
    with pytest.raises(ClientError) as excinfo:
        rekognition.delete_project_policy(ProjectArn=project, PolicyName="p")
    assert error_code(excinfo) == "ResourceNotFoundException"


def statement(**changes) -> str:
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "rekognition:CopyProjectVersion",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [{**base, **changes}]})


@pytest.mark.parametrize(
    "document",
    [
        "{not json",
        statement(Action="rekognition:DetectCustomLabels"),
        statement(Effect="Maybe"),
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rekognition:*"}]}),
        statement(NotResource="arn:aws:rekognition:*:*:project/x/*"),
    ],
)
def test_malformed_policy_documents_are_refused(local_client, document):
    rekognition = local_client("rekognition", config=Config(parameter_validation=False))
    project = rekognition.create_project(ProjectName="src")["ProjectArn"]
    with pytest.raises(ClientError) as excinfo:
        rekognition.put_project_policy(ProjectArn=project, PolicyName="p", PolicyDocument=document)
    assert error_code(excinfo) == "MalformedPolicyDocumentException"


def test_at_most_five_policies_per_project(local_client):
    rekognition = local_client("rekognition", config=Config(parameter_validation=False))
    project = rekognition.create_project(ProjectName="src")["ProjectArn"]
    for index in range(5):
        rekognition.put_project_policy(ProjectArn=project, PolicyName=f"p{index}", PolicyDocument=statement())
    with pytest.raises(ClientError) as excinfo:
        rekognition.put_project_policy(ProjectArn=project, PolicyName="p5", PolicyDocument=statement())
    assert error_code(excinfo) == "ServiceQuotaExceededException"
    page = rekognition.list_project_policies(ProjectArn=project, MaxResults=2)
    assert len(page["ProjectPolicies"]) == 2 and page["NextToken"]
    with pytest.raises(ClientError) as excinfo:
        rekognition.list_project_policies(ProjectArn=project, MaxResults=6)
    assert error_code(excinfo) == "ValidationException"


def copy(rekognition, source_project: str, source: str, destination: str, name: str = "copy", **extra) -> str:
    return rekognition.copy_project_version(
        SourceProjectArn=source_project,
        SourceProjectVersionArn=source,
        DestinationProjectArn=destination,
        VersionName=name,
        OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "copies"},
        **extra,
    )["ProjectVersionArn"]


def test_copy_preconditions(rekognition, digits, held):
    project, _, _ = project_with_datasets(rekognition, digits, held)
    training = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)[
        "ProjectVersionArn"
    ]
    destination = rekognition.create_project(ProjectName="dst")["ProjectArn"]
    with pytest.raises(ClientError) as excinfo:
        copy(rekognition, project, training, destination)
    assert error_code(excinfo) == "ResourceInUseException"  # still training
    held()
    missing_destination = destination.rsplit("/", 1)[0] + "/1"
    other_region = project.replace(REGION, "eu-west-1")
    for source_project, destination_project, code in (
        (project, missing_destination, "ResourceNotFoundException"),
        (destination, destination, "ResourceNotFoundException"),  # the version is not in that project
        (other_region, destination, "InvalidParameterException"),
    ):
        with pytest.raises(ClientError) as excinfo:
            copy(rekognition, source_project, training, destination_project)
        assert error_code(excinfo) == code
    copy(rekognition, project, training, destination)
    with pytest.raises(ClientError) as excinfo:
        copy(rekognition, project, training, destination)
    assert error_code(excinfo) == "ResourceInUseException"  # the version name is taken
    held()


def detect(rekognition, arn: str, key: str) -> list[tuple[str, float]]:
    labels = rekognition.detect_custom_labels(
        ProjectVersionArn=arn, Image={"S3Object": {"Bucket": BUCKET, "Name": key}}, MinConfidence=0
    )["CustomLabels"]
    return [(label["Name"], label["Confidence"]) for label in labels]


@pytest.mark.slow
def test_a_copy_carries_the_evaluation_and_runs_like_its_source_here_and_across_accounts(
    local_client, s3, digits, held
):
    rekognition = local_client("rekognition")
    project, _, _ = project_with_datasets(rekognition, digits, held)
    source = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)[
        "ProjectVersionArn"
    ]
    held()
    destination = rekognition.create_project(ProjectName="dst")["ProjectArn"]
    copied = copy(rekognition, project, source, destination, KmsKeyId=KEY)
    assert version(rekognition, destination, "copy")["Status"] == "COPYING_IN_PROGRESS"
    held()
    original, duplicate = version(rekognition, project), version(rekognition, destination, "copy")
    assert duplicate["Status"] == "COPYING_COMPLETED", duplicate["StatusMessage"]
    assert (duplicate["SourceProjectVersionArn"], duplicate["KmsKeyId"]) == (source, KEY)
    assert duplicate["EvaluationResult"]["F1Score"] == original["EvaluationResult"]["F1Score"]
    summary = duplicate["EvaluationResult"]["Summary"]["S3Object"]
    assert summary["Name"] == "copies/EvaluationResultSummary-dst-copy.json"
    read = s3.get_object(Bucket=BUCKET, Key=summary["Name"])
    assert read["SSEKMSKeyId"] == KEY
    original_summary = original["EvaluationResult"]["Summary"]["S3Object"]
    assert read["Body"].read() == s3.get_object(Bucket=BUCKET, Key=original_summary["Name"])["Body"].read()
    assert "BillableTrainingTimeInSeconds" not in duplicate
    for arn in (source, copied):
        rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    held()
    image = s3.list_objects_v2(Bucket=BUCKET, Prefix="digits/images/")["Contents"][0]["Key"]
    assert detect(rekognition, copied, image) == detect(rekognition, source, image)

    credentials = local_client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/admin", RoleSessionName="tester"
    )["Credentials"]
    other = local_client(
        "rekognition",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    theirs = other.create_project(ProjectName="prod")["ProjectArn"]
    assert f":{OTHER_ACCOUNT}:project/prod/" in theirs
    with pytest.raises(ClientError) as excinfo:
        copy(other, project, source, theirs, "promoted")
    assert error_code(excinfo) == "AccessDeniedException"
    revision = rekognition.put_project_policy(
        ProjectArn=project,
        PolicyName="prod",
        PolicyDocument=allow_copy(f"arn:aws:iam::{OTHER_ACCOUNT}:root", project),
    )["PolicyRevisionId"]
    promoted = copy(other, project, source, theirs, "promoted")
    assert f":{OTHER_ACCOUNT}:project/prod/version/promoted/" in promoted
    other_service = moto_integration.service_for(OTHER_ACCOUNT, REGION)
    other_service.scheduler.run_pending()
    assert version(other, theirs, "promoted")["Status"] == "COPYING_COMPLETED"
    other.start_project_version(ProjectVersionArn=promoted, MinInferenceUnits=1)
    other_service.scheduler.run_pending()
    assert detect(other, promoted, image) == detect(rekognition, source, image)
    rekognition.delete_project_policy(ProjectArn=project, PolicyName="prod", PolicyRevisionId=revision)
    with pytest.raises(ClientError) as excinfo:
        copy(other, project, source, theirs, "again")
    assert error_code(excinfo) == "AccessDeniedException"
