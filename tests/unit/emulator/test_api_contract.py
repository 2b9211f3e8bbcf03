"""Request settings, modelled error codes and deleting-state guards, as botocore's model has them."""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.emulator.moto_integration import OPERATIONS, UNIMPLEMENTED
from tests.fixtures.local_aws import REGION
from tests.unit.emulator.conftest import BUCKET, manifest_source
from tests.unit.emulator.test_lifecycle import OUTPUT, error_code, project_with_datasets, version

MODEL = botocore.session.get_session().get_service_model("rekognition")
MOTO_OPERATIONS = {  # moto's own Rekognition responses, outside Custom Labels
    "CompareFaces",
    "DetectLabels",
    "DetectText",
    "GetFaceSearch",
    "GetTextDetection",
    "StartFaceSearch",
    "StartTextDetection",
}


def modelled_errors(operation: str) -> set[str]:
    return {shape.name for shape in MODEL.operation_model(operation).error_shapes}


@pytest.fixture
def unchecked(local_client):
    """A client that sends what botocore would refuse, so the service's own checks answer."""
    return local_client("rekognition", config=Config(parameter_validation=False))


def test_feature_and_auto_update_are_kept_and_filtered(rekognition):
    labels = rekognition.create_project(ProjectName="labels")["ProjectArn"]
    adapter = rekognition.create_project(
        ProjectName="adapter", Feature="CONTENT_MODERATION", AutoUpdate="ENABLED"
    )["ProjectArn"]
    default = rekognition.describe_projects()["ProjectDescriptions"]
    assert [(p["ProjectArn"], p["Feature"]) for p in default] == [(labels, "CUSTOM_LABELS")]
    moderation = rekognition.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"]
    assert [(p["ProjectArn"], p["AutoUpdate"]) for p in moderation] == [(adapter, "ENABLED")]
    both = rekognition.describe_projects(Features=["CUSTOM_LABELS", "CONTENT_MODERATION"])
    assert len(both["ProjectDescriptions"]) == 2
    with pytest.raises(ClientError) as excinfo:
        rekognition.create_project(ProjectName="x", AutoUpdate="ENABLED")
    assert error_code(excinfo) == "InvalidParameterException"


def test_version_description_is_returned(rekognition, digits, held):
    project, _, _ = project_with_datasets(rekognition, digits, held)
    rekognition.create_project_version(
        ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT, VersionDescription="first try"
    )
    assert version(rekognition, project)["VersionDescription"] == "first try"
    held()


@pytest.mark.parametrize(
    ("call", "operation"),
    [
        (lambda r: r.describe_projects(NextToken="forged"), "DescribeProjects"),
        (lambda r: r.describe_projects(NextToken="cl-page-x"), "DescribeProjects"),
    ],
)
def test_a_token_the_service_did_not_issue_is_an_invalid_pagination_token(rekognition, call, operation):
    rekognition.create_project(ProjectName="p")
    with pytest.raises(ClientError) as excinfo:
        call(rekognition)
    assert error_code(excinfo) == "InvalidPaginationTokenException"
    assert "InvalidPaginationTokenException" in modelled_errors(operation)


def test_issued_tokens_page_through_everything(rekognition):
    for index in range(5):
        rekognition.create_project(ProjectName=f"p{index}")
    seen, token = [], None
    while True:
        response = rekognition.describe_projects(MaxResults=2, **({"NextToken": token} if token else {}))
        seen += [p["ProjectArn"].split("/")[1] for p in response["ProjectDescriptions"]]
        token = response.get("NextToken")
        if not token:
            break
    assert seen == [f"p{index}" for index in range(5)]


@pytest.mark.parametrize("size", [0, 101, -1])
def test_max_results_outside_botocore_bounds_is_refused(unchecked, size):
    with pytest.raises(ClientError) as excinfo:
        unchecked.describe_projects(MaxResults=size)
    assert error_code(excinfo) == "ValidationException"


def test_distribute_into_a_dataset_still_being_created_is_not_ready(rekognition, digits, held):
    project = rekognition.create_project(ProjectName="split")["ProjectArn"]
    train = rekognition.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source(digits["train"])
    )["DatasetArn"]
    test = rekognition.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    with pytest.raises(ClientError) as excinfo:
        rekognition.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    assert error_code(excinfo) == "ResourceNotReadyException"
    assert error_code(excinfo) in modelled_errors("DistributeDatasetEntries")
    held()


def test_a_deleting_project_refuses_a_second_delete_and_new_datasets(rekognition, held):
    project = rekognition.create_project(ProjectName="going")["ProjectArn"]
    assert rekognition.delete_project(ProjectArn=project)["Status"] == "DELETING"
    with pytest.raises(ClientError) as excinfo:
        rekognition.delete_project(ProjectArn=project)
    assert error_code(excinfo) == "ResourceInUseException"
    with pytest.raises(ClientError) as excinfo:
        rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN")
    assert error_code(excinfo) == "ResourceNotFoundException"
    assert error_code(excinfo) in modelled_errors("CreateDataset")
    held()
    assert rekognition.describe_projects(ProjectNames=["going"])["ProjectDescriptions"] == []


def test_a_project_with_only_a_train_dataset_trains_on_an_80_20_split(rekognition, digits, held):
    project = rekognition.create_project(ProjectName="one")["ProjectArn"]
    rekognition.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source(digits["train"])
    )
    held()
    rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)
    held()
    trained = version(rekognition, project)
    assert trained["Status"] == "TRAINING_COMPLETED", trained["StatusMessage"]
    assert trained["TestingDataResult"]["Input"] == {"AutoCreate": True}
    snapshot = trained["TestingDataResult"]["Output"]["Assets"][0]["GroundTruthManifest"]["S3Object"]
    assert snapshot["Bucket"] == BUCKET


def test_every_operation_the_service_does_not_implement_answers_a_json_error(local_endpoint):
    client = boto3.client(
        "rekognition",
        endpoint_url=local_endpoint,
        region_name=REGION,
        config=Config(parameter_validation=False),
    )
    answered_by_moto = set(MODEL.operation_names) - set(OPERATIONS) - set(UNIMPLEMENTED)
    assert answered_by_moto == MOTO_OPERATIONS
    for operation in UNIMPLEMENTED:
        with pytest.raises(ClientError) as excinfo:
            client._make_api_call(operation, {})
        error = excinfo.value.response
        assert error["Error"]["Code"] == "NotImplementedException", operation
        assert operation in error["Error"]["Message"]
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
