"""`customlabels train` checks what the state machine would reject before StartExecution (exit 2,
nothing started), makes default execution names unique, and refuses a version name already taken."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from customlabels_cli.main import main
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.executions import execution_name
from customlabels_cli.support.training_preflight import check_version_free

BUCKET = "custom-labels-console-us-east-1-local"
TRAIN = f"s3://{BUCKET}/datasets/digits/train.manifest"


@pytest.fixture
def outputs(tmp_path, aws_credentials) -> str:
    path = tmp_path / "outputs.json"
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:training"
    path.write_text(json.dumps({"ConsoleBucketName": BUCKET, "TrainingStateMachineArn": machine}))
    return str(path)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--training", "./train.manifest"], "the training manifest ./train.manifest does not exist"),
        (["--training", TRAIN, "--min-units", "0"], "minInferenceUnits=0 is not allowed"),
        (["--training", TRAIN, "--testing", TRAIN], "testingManifest must differ"),
        (["--training", f"s3://{BUCKET}/datasets/train"], "the file name has no extension"),
        (["--training", TRAIN, "--name", "bad name!"], "--name 'bad name!' is not an execution name"),
    ],
)
def test_a_bad_input_is_refused_before_anything_starts(outputs, capsys, options, said) -> None:
    code = main(["train", *options, "--outputs", outputs, "--project", "digits"])
    captured = capsys.readouterr()
    assert code == 2 and said in captured.err and "fix:" in captured.err
    assert "Started" not in captured.out


def test_default_execution_names_differ_within_one_second() -> None:
    names = {execution_name("digits") for _ in range(50)}
    assert len(names) == 50 and all(len(name) <= 80 and " " not in name for name in names)


class FakeRekognition:
    def __init__(self, tags: dict[str, str]) -> None:
        self.tags = tags

    def describe_projects(self, ProjectNames: list[str]) -> dict:
        return {"ProjectDescriptions": [{"ProjectArn": "arn:project/digits/1"}]}

    def describe_project_versions(self, ProjectArn: str, VersionNames: list[str]) -> dict:
        arn = f"arn:project/digits/version/{VersionNames[0]}/1"
        return {"ProjectVersionDescriptions": [{"ProjectVersionArn": arn, "Status": "RUNNING"}]}

    def list_tags_for_resource(self, ResourceArn: str) -> dict:
        return {"Tags": self.tags}


class FakeS3:
    def get_object(self, Bucket: str, Key: str) -> dict:
        return {"Body": io.BytesIO(b"manifest")}


SETTINGS = {"projectName": "digits", "versionName": "v1", "trainingManifest": TRAIN, "testingManifest": None}


def test_a_version_name_trained_from_other_manifests_is_refused() -> None:
    with pytest.raises(CliError, match="exists already and was trained from other manifests") as refused:
        check_version_free(FakeRekognition({"trainingManifestSha256": "other"}), FakeS3(), SETTINGS)
    assert "--version" in refused.value.fix


def test_a_re_run_with_the_same_manifests_may_reuse_its_version() -> None:
    digest = hashlib.sha256(b"manifest").hexdigest()
    same = {"trainingManifestSha256": digest, "testingManifestSha256": "auto-split"}
    check_version_free(FakeRekognition(same), FakeS3(), SETTINGS)
