"""Every status transition and precondition of projects, datasets and model versions."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.local_aws import wait_until
from tests.unit.emulator.conftest import BUCKET, manifest_source

OUTPUT = {"S3Bucket": BUCKET, "S3KeyPrefix": "output"}


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def dataset_status(rekognition, arn: str) -> str:
    return rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"]


def version(rekognition, project: str, name: str = "v1") -> dict:
    return rekognition.describe_project_versions(ProjectArn=project, VersionNames=[name])[
        "ProjectVersionDescriptions"
    ][0]


def project_with_datasets(rekognition, digits, held) -> tuple[str, str, str]:
    project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
    train = rekognition.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source(digits["train"])
    )["DatasetArn"]
    test = rekognition.create_dataset(
        ProjectArn=project, DatasetType="TEST", DatasetSource=manifest_source(digits["test"])
    )["DatasetArn"]
    held()
    return project, train, test


def test_dataset_create_goes_in_progress_then_complete_with_stats(rekognition, digits, held):
    project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
    assert ":project/digits/" in project
    arn = rekognition.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source(digits["train"])
    )["DatasetArn"]
    assert "/dataset/train/" in arn
    assert dataset_status(rekognition, arn) == "CREATE_IN_PROGRESS"
    held()
    description = rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
    assert description["Status"] == "CREATE_COMPLETE"
    assert description["DatasetStats"] == {
        "LabeledEntries": 50,
        "TotalEntries": 50,
        "TotalLabels": 10,
        "ErrorEntries": 0,
    }


def test_dataset_from_missing_manifest_is_refused_on_the_call(rekognition, s3, held):
    """InvalidS3ObjectException is among CreateDataset's errors in botocore's model: no dataset is made."""
    project = rekognition.create_project(ProjectName="p")["ProjectArn"]
    with pytest.raises(ClientError) as excinfo:
        rekognition.create_dataset(
            ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source("nowhere.manifest")
        )
    assert error_code(excinfo) == "InvalidS3ObjectException"
    assert "s3://customlabels-test/nowhere.manifest" in excinfo.value.response["Error"]["Message"]
    assert rekognition.describe_projects()["ProjectDescriptions"][0]["Datasets"] == []


def test_second_dataset_of_a_type_is_refused(rekognition, digits, held):
    project, _, _ = project_with_datasets(rekognition, digits, held)
    with pytest.raises(ClientError) as excinfo:
        rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN")
    assert error_code(excinfo) == "ResourceAlreadyExistsException"


def test_copy_update_upsert_and_list_entries(rekognition, digits, held):
    _, train, _ = project_with_datasets(rekognition, digits, held)
    other = rekognition.create_project(ProjectName="copy")["ProjectArn"]
    copy = rekognition.create_dataset(
        ProjectArn=other, DatasetType="TEST", DatasetSource={"DatasetArn": train}
    )["DatasetArn"]
    held()
    entries = rekognition.list_dataset_entries(DatasetArn=copy, MaxResults=100)["DatasetEntries"]
    assert len(entries) == 50
    changed = json.loads(entries[0])
    changed["digit-metadata"]["class-name"] = "relabelled"
    rekognition.update_dataset_entries(DatasetArn=copy, Changes={"GroundTruth": json.dumps(changed).encode()})
    assert dataset_status(rekognition, copy) == "UPDATE_IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        rekognition.delete_dataset(DatasetArn=copy)
    assert error_code(excinfo) == "ResourceInUseException"
    held()
    stats = rekognition.describe_dataset(DatasetArn=copy)["DatasetDescription"]
    assert stats["Status"] == "UPDATE_COMPLETE" and stats["DatasetStats"]["TotalEntries"] == 50
    found = rekognition.list_dataset_entries(DatasetArn=copy, ContainsLabels=["relabelled"])["DatasetEntries"]
    assert [json.loads(line)["source-ref"] for line in found] == [changed["source-ref"]]
    page = rekognition.list_dataset_entries(DatasetArn=copy, MaxResults=20)
    assert len(page["DatasetEntries"]) == 20 and "NextToken" in page
    labels = rekognition.list_dataset_labels(DatasetArn=copy)["DatasetLabelDescriptions"]
    assert {"LabelName": "relabelled", "LabelStats": {"EntryCount": 1, "BoundingBoxCount": 0}} in labels


def test_distribute_moves_a_fifth_into_an_empty_test_dataset(rekognition, digits, held):
    project = rekognition.create_project(ProjectName="split")["ProjectArn"]
    train = rekognition.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source(digits["train"])
    )["DatasetArn"]
    test = rekognition.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    held()
    rekognition.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    assert {dataset_status(rekognition, train), dataset_status(rekognition, test)} == {"UPDATE_IN_PROGRESS"}
    held()
    totals = [
        rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["DatasetStats"]["TotalEntries"]
        for arn in (train, test)
    ]
    assert totals == [40, 10]
    with pytest.raises(ClientError) as excinfo:
        rekognition.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    assert error_code(excinfo) == "InvalidParameterException"
    assert "must be empty" in excinfo.value.response["Error"]["Message"]


def test_delete_dataset_then_not_found(rekognition, digits, held):
    _, train, _ = project_with_datasets(rekognition, digits, held)
    rekognition.delete_dataset(DatasetArn=train)
    assert dataset_status(rekognition, train) == "DELETE_IN_PROGRESS"
    held()
    with pytest.raises(ClientError) as excinfo:
        rekognition.describe_dataset(DatasetArn=train)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_model_lifecycle_train_start_stop_delete(rekognition, digits, held):
    project, _, _ = project_with_datasets(rekognition, digits, held)
    arn = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)[
        "ProjectVersionArn"
    ]
    assert ":project/digits/version/v1/" in arn
    assert version(rekognition, project)["Status"] == "TRAINING_IN_PROGRESS"
    for blocked in (
        lambda: rekognition.delete_project_version(ProjectVersionArn=arn),
        lambda: rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1),
    ):
        with pytest.raises(ClientError) as excinfo:
            blocked()
        assert error_code(excinfo) == "ResourceInUseException"
    with pytest.raises(ClientError) as excinfo:
        rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)
    assert error_code(excinfo) == "ResourceInUseException"
    held()
    trained = version(rekognition, project)
    assert trained["Status"] == "TRAINING_COMPLETED"
    assert trained["BillableTrainingTimeInSeconds"] >= 1 and "EvaluationResult" in trained
    with pytest.raises(ClientError) as excinfo:
        rekognition.detect_custom_labels(
            ProjectVersionArn=arn, Image={"S3Object": {"Bucket": BUCKET, "Name": "x.png"}}
        )
    assert error_code(excinfo) == "ResourceNotReadyException"
    assert (
        rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1, MaxInferenceUnits=2)[
            "Status"
        ]
        == "STARTING"
    )
    held()
    running = version(rekognition, project)
    assert (running["Status"], running["MinInferenceUnits"], running["MaxInferenceUnits"]) == (
        "RUNNING",
        1,
        2,
    )
    with pytest.raises(ClientError) as excinfo:
        rekognition.delete_project_version(ProjectVersionArn=arn)
    assert error_code(excinfo) == "ResourceInUseException"
    with pytest.raises(ClientError) as excinfo:
        rekognition.delete_project(ProjectArn=project)
    assert error_code(excinfo) == "ResourceInUseException"
    assert rekognition.stop_project_version(ProjectVersionArn=arn)["Status"] == "STOPPING"
    held()
    assert version(rekognition, project)["Status"] == "STOPPED"
    with pytest.raises(ClientError) as excinfo:
        rekognition.stop_project_version(ProjectVersionArn=arn)
    assert error_code(excinfo) == "ResourceInUseException"
    assert rekognition.delete_project_version(ProjectVersionArn=arn)["Status"] == "DELETING"
    held()
    assert rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"] == []


def test_project_with_datasets_left_is_deleted_with_them_and_then_disappears(rekognition, digits, held):
    """AWS (API reference, DeleteProject): "you must first delete all models or adapters associated
    with the project"; the datasets do not stop it, and they go with the project."""
    project, train, test = project_with_datasets(rekognition, digits, held)
    assert rekognition.delete_project(ProjectArn=project)["Status"] == "DELETING"
    assert (
        rekognition.describe_projects(ProjectNames=["digits"])["ProjectDescriptions"][0]["Status"]
        == "DELETING"
    )
    held()
    assert rekognition.describe_projects(ProjectNames=["digits"])["ProjectDescriptions"] == []
    for arn in (train, test):
        with pytest.raises(ClientError) as excinfo:
            rekognition.describe_dataset(DatasetArn=arn)
        assert error_code(excinfo) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda r, p: r.create_project(ProjectName="bad name!"), "ValidationException"),
        (lambda r, p: r.create_project(ProjectName="digits"), "ResourceInUseException"),
        (lambda r, p: r.create_dataset(ProjectArn=p, DatasetType="VALIDATION"), "ValidationException"),
        (lambda r, p: r.create_dataset(ProjectArn=p + "9", DatasetType="TRAIN"), "ResourceNotFoundException"),
        (
            lambda r, p: r.create_project_version(ProjectArn=p, VersionName="v", OutputConfig=OUTPUT),
            "InvalidParameterException",
        ),
        (
            lambda r, p: r.create_project_version(
                ProjectArn=p,
                VersionName="v",
                OutputConfig=OUTPUT,
                TrainingData={"Assets": [manifest_source("a.manifest")]},
            ),
            "InvalidParameterException",
        ),
        (lambda r, p: r.describe_project_versions(ProjectArn=p, MaxResults=101), "ValidationException"),
        (
            lambda r, p: r.start_project_version(
                ProjectVersionArn=p.replace("/17", "/version/x/17"), MinInferenceUnits=1
            ),
            "ResourceNotFoundException",
        ),
    ],
)
def test_preconditions_answer_the_service_exception(rekognition, call, code):
    project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
    with pytest.raises(ClientError) as excinfo:
        call(rekognition, project)
    assert error_code(excinfo) == code


def test_describe_project_versions_pages_newest_first(rekognition, digits, held):
    project, _, _ = project_with_datasets(rekognition, digits, held)
    for name in ("a", "b", "c"):
        rekognition.create_project_version(ProjectArn=project, VersionName=name, OutputConfig=OUTPUT)
    first = rekognition.describe_project_versions(ProjectArn=project, MaxResults=2)
    second = rekognition.describe_project_versions(
        ProjectArn=project, MaxResults=2, NextToken=first["NextToken"]
    )
    names = [
        d["ProjectVersionArn"].split("/")[3]
        for d in first["ProjectVersionDescriptions"] + second["ProjectVersionDescriptions"]
    ]
    assert names == ["c", "b", "a"] and "NextToken" not in second
    held()


def test_tags_on_every_resource_and_their_limits(rekognition, digits, held):
    project, train, _ = project_with_datasets(rekognition, digits, held)
    for arn in (project, train):
        rekognition.tag_resource(ResourceArn=arn, Tags={"team": "vision", "env": "dev"})
        rekognition.untag_resource(ResourceArn=arn, TagKeys=["env"])
        assert rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "vision"}
    with pytest.raises(ClientError) as excinfo:
        rekognition.tag_resource(ResourceArn=project, Tags={"aws:owner": "x"})
    assert error_code(excinfo) == "ValidationException"  # TagKey's pattern refuses the aws: prefix
    with pytest.raises(ClientError) as excinfo:
        rekognition.tag_resource(ResourceArn=project, Tags={f"k{i}": "v" for i in range(200)})
    assert error_code(excinfo) == "ServiceQuotaExceededException"
    with pytest.raises(ClientError) as excinfo:
        rekognition.list_tags_for_resource(ResourceArn=project + "1")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_inference_units_over_the_quota_are_refused(rekognition, digits):
    project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
    with pytest.raises(ClientError) as excinfo:
        rekognition.start_project_version(
            ProjectVersionArn=project.replace("/17", "/version/v/17"), MinInferenceUnits=11
        )
    assert error_code(excinfo) == "LimitExceededException"


def test_background_completion_without_holding(rekognition, digits):
    project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
    arn = rekognition.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest_source(digits["train"])
    )["DatasetArn"]
    wait_until(lambda: dataset_status(rekognition, arn), lambda status: status == "CREATE_COMPLETE")
