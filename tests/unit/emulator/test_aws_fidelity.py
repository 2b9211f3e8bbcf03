"""What a boto3 script sees where the local service once differed from AWS; each test names its source."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.emulator.capacity import InferenceCapacity
from local.emulator.errors import ProvisionedThroughputExceededException
from local.emulator.settings import Faults, ServiceSettings
from tests.fixtures.local_aws import REGION
from tests.unit.emulator.conftest import BUCKET
from tests.unit.emulator.test_lifecycle import OUTPUT, error_code, project_with_datasets, version

VERSION_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/1700000000000"


@pytest.fixture
def unchecked(local_client):
    """A client that sends what botocore would refuse itself (it checks only `min`), as other SDKs may."""
    return local_client("rekognition", config=Config(parameter_validation=False))


class TestThrottling:
    @pytest.fixture
    def service_settings(self) -> ServiceSettings:
        return ServiceSettings(faults=Faults(throttle=1.0))

    def test_throttling_is_a_server_fault(self, local_client):
        """botocore's model (rekognition service-2.json) marks ThrottlingException `"fault": true`."""
        client = local_client("rekognition", config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(ClientError) as excinfo:
            client.describe_projects()
        assert error_code(excinfo) == "ThrottlingException"
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    def test_over_http_a_boto3_script_sees_a_5xx(self, local_endpoint):
        client = boto3.client(
            "rekognition",
            region_name=REGION,
            endpoint_url=local_endpoint,
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(ClientError) as excinfo:
            client.describe_projects()
        assert error_code(excinfo) == "ThrottlingException"
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda r: r.detect_custom_labels(
                ProjectVersionArn=VERSION_ARN, Image={"Bytes": b"x"}, MinConfidence=101
            ),
            "1 validation error detected: Value '101' at 'minConfidence' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
        ),
        (
            lambda r: r.describe_projects(MaxResults=-1),
            "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            lambda r: r.start_project_version(ProjectVersionArn=VERSION_ARN, MinInferenceUnits=0),
            "1 validation error detected: Value '0' at 'minInferenceUnits' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            lambda r: r.create_project(ProjectName="no spaces!"),
            "1 validation error detected: Value 'no spaces!' at 'projectName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
        ),
        (
            lambda r: r.create_project(ProjectName="p" * 256),
            f"1 validation error detected: Value '{'p' * 256}' at 'projectName' failed to satisfy "
            "constraint: Member must have length less than or equal to 255",
        ),
        (
            lambda r: r.describe_projects(Features=["FACES"]),
            "1 validation error detected: Value 'FACES' at 'features.1.member' failed to satisfy "
            "constraint: Member must satisfy enum value set: [CONTENT_MODERATION, CUSTOM_LABELS]",
        ),
        (
            lambda r: r.delete_project(),
            "1 validation error detected: Value null at 'projectArn' failed to satisfy constraint: "
            "Member must not be null",
        ),
    ],
)
def test_modelled_constraints_answer_validation_exception(unchecked, call, message):
    """AWS validates a request against its input shape (the min/max/pattern/enum of botocore's model)
    before the operation runs and answers ValidationException in this format."""
    with pytest.raises(ClientError) as excinfo:
        call(unchecked)
    assert error_code(excinfo) == "ValidationException"
    assert excinfo.value.response["Error"]["Message"] == message


def test_a_malformed_version_arn_is_a_validation_error_not_a_missing_model(unchecked):
    """ProjectVersionArn has a pattern in botocore's model: breaking it is not 'not found'."""
    with pytest.raises(ClientError) as excinfo:
        unchecked.stop_project_version(ProjectVersionArn="arn:aws:rekognition:us-east-1:123456789012:model/x")
    assert error_code(excinfo) == "ValidationException"
    assert "at 'projectVersionArn' failed to satisfy constraint" in excinfo.value.response["Error"]["Message"]


def test_every_breach_is_listed_in_one_answer(unchecked):
    with pytest.raises(ClientError) as excinfo:
        unchecked.detect_custom_labels(
            ProjectVersionArn=VERSION_ARN, Image={"Bytes": b"x"}, MinConfidence=-1, MaxResults=-2
        )
    assert excinfo.value.response["Error"]["Message"].startswith("2 validation errors detected: ")


def test_a_member_of_the_wrong_type_is_a_serialization_error(unchecked):
    with pytest.raises(ClientError) as excinfo:
        unchecked.describe_projects(MaxResults="ten")
    assert error_code(excinfo) == "SerializationException"
    assert "'maxResults'" in excinfo.value.response["Error"]["Message"]


def test_a_next_token_from_another_call_is_refused(rekognition, digits, held):
    """A token pages the call that returned it: used with another operation or other parameters, it is
    refused with InvalidPaginationTokenException (in each paged operation's errors in botocore's model)."""
    project, train, test = project_with_datasets(rekognition, digits, held)
    for name in ("a", "b", "c"):
        rekognition.create_project(ProjectName=name)
    token = rekognition.describe_projects(MaxResults=2)["NextToken"]
    entries_token = rekognition.list_dataset_entries(DatasetArn=train, MaxResults=2)["NextToken"]
    refused = [
        lambda: rekognition.describe_projects(ProjectNames=["a", "b", "c"], NextToken=token),
        lambda: rekognition.describe_project_versions(ProjectArn=project, NextToken=token),
        lambda: rekognition.list_dataset_entries(DatasetArn=test, NextToken=entries_token),
        lambda: rekognition.list_dataset_labels(DatasetArn=train, NextToken=entries_token),
    ]
    for call in refused:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "InvalidPaginationTokenException"
    assert len(rekognition.describe_projects(MaxResults=3, NextToken=token)["ProjectDescriptions"]) == 2


@pytest.mark.slow
def test_training_files_carry_aws_names_directly_under_the_prefix(rekognition, s3, digits, held):
    """The DescribeProjectVersions example of the AWS SDK documentation (SDK for JavaScript v3,
    "To describe an Amazon Rekognition Custom Labels model"): `<Kind>-<project>-<version>.json` at the
    output prefix; a dataset-based training reports Input `{}` and `{"AutoCreate": false}`."""
    project, _, _ = project_with_datasets(rekognition, digits, held)
    rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)
    held()
    described = version(rekognition, project)
    assert described["Status"] == "TRAINING_COMPLETED", described["StatusMessage"]
    kinds = (
        "EvaluationResultSummary",
        "ManifestSummary",
        "TrainingGroundTruth",
        "TestingGroundTruth",
        "TrainingManifestWithValidation",
        "TestingManifestWithValidation",
    )
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="output/")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(f"output/{kind}-digits-v1.json" for kind in kinds)

    def name(result: dict) -> str:
        return result["Assets"][0]["GroundTruthManifest"]["S3Object"]["Name"]

    assert described["EvaluationResult"]["Summary"]["S3Object"]["Name"] == kinds_key(kinds[0])
    assert described["ManifestSummary"]["S3Object"]["Name"] == kinds_key(kinds[1])
    training, testing = described["TrainingDataResult"], described["TestingDataResult"]
    assert (name(training["Output"]), name(testing["Output"])) == (kinds_key(kinds[2]), kinds_key(kinds[3]))
    assert (name(training["Validation"]), name(testing["Validation"])) == tuple(map(kinds_key, kinds[4:]))
    assert (training["Input"], testing["Input"]) == ({}, {"AutoCreate": False})
    assert testing["Output"]["AutoCreate"] is False


def kinds_key(kind: str) -> str:
    return f"output/{kind}-digits-v1.json"


@pytest.mark.slow
def test_min_confidence_filters_on_the_confidence_the_response_reports(rekognition, s3, digits, held):
    """DetectCustomLabels returns labels "with a confidence of at least MinConfidence" (API reference):
    asking for exactly a reported confidence keeps that label."""
    project, _, _ = project_with_datasets(rekognition, digits, held)
    arn = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)[
        "ProjectVersionArn"
    ]
    held()
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    held()
    manifest = s3.get_object(Bucket=BUCKET, Key=digits["test"])["Body"].read().decode()
    checked = 0
    for line in manifest.splitlines()[:5]:
        image = {"S3Object": {"Bucket": BUCKET, "Name": json.loads(line)["source-ref"].split("/", 3)[3]}}
        for label in rekognition.detect_custom_labels(ProjectVersionArn=arn, Image=image, MinConfidence=0)[
            "CustomLabels"
        ][:3]:
            again = rekognition.detect_custom_labels(
                ProjectVersionArn=arn, Image=image, MinConfidence=label["Confidence"]
            )["CustomLabels"]
            assert label["Name"] in [found["Name"] for found in again], label
            checked += 1
    assert checked >= 5


def test_an_update_with_a_line_that_is_not_json_is_refused_on_the_call(rekognition, digits, held):
    """Refused with InvalidParameterException (an UpdateDatasetEntries error in botocore's model) rather
    than accepted and dropped later; the dataset keeps its entries and its status."""
    _, train, _ = project_with_datasets(rekognition, digits, held)
    good = rekognition.list_dataset_entries(DatasetArn=train, MaxResults=1)["DatasetEntries"][0]
    with pytest.raises(ClientError) as excinfo:
        rekognition.update_dataset_entries(
            DatasetArn=train, Changes={"GroundTruth": (good + "\n{not json\n").encode()}
        )
    assert error_code(excinfo) == "InvalidParameterException"
    assert "line 2 is not a JSON object" in excinfo.value.response["Error"]["Message"]
    described = rekognition.describe_dataset(DatasetArn=train)["DatasetDescription"]
    assert (described["Status"], described["DatasetStats"]["TotalEntries"]) == ("CREATE_COMPLETE", 50)


def test_auto_scaling_brings_a_unit_into_service_after_the_scaling_delay():
    """The guide's DesiredInferenceUnits / InServiceInferenceUnits pair: a saturated model first wants
    one more unit, which serves only once the scaling delay has passed (docs/decisions.md)."""
    pending: list = []
    capacity = InferenceCapacity(per_unit=2, min_units=1, max_units=2, later=pending.append)
    capacity.admit()
    capacity.admit()
    with pytest.raises(ProvisionedThroughputExceededException):
        capacity.admit()
    assert (capacity.desired, capacity.in_service, len(pending)) == (2, 1, 1)
    with pytest.raises(ProvisionedThroughputExceededException):
        capacity.admit()  # still one unit: asking again schedules nothing more
    assert len(pending) == 1
    pending.pop()()
    assert capacity.in_service == 2
    capacity.admit()
    capacity.admit()


def test_an_output_bucket_that_does_not_exist_is_refused_on_the_call(rekognition, digits, held):
    project, _, _ = project_with_datasets(rekognition, digits, held)
    with pytest.raises(ClientError) as excinfo:
        rekognition.create_project_version(
            ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": "no-such-output-bucket"}
        )
    assert error_code(excinfo) == "InvalidParameterException"
    assert "no-such-output-bucket does not exist" in excinfo.value.response["Error"]["Message"]
    assert rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"] == []
