"""How every AWS-facing command finds the stack (outputs file, CloudFormation) and the project, and how
it reports what is wrong (exit 2, with a fix)."""

from __future__ import annotations

import argparse
import json

import pytest

from customlabels_cli.main import main
from customlabels_cli.support.stack import Stack
from tests.fixtures.tables import create_registry_table

TEMPLATE = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"RegistryTableName": {"Value": "registry-table"}, "ProjectName": {"Value": "pets"}},
}


def arguments(**given) -> argparse.Namespace:
    return argparse.Namespace(**{"outputs": None, "stack": None, "project": None, **given})


def test_outputs_come_from_the_serve_outputs_file(tmp_path, aws_credentials):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"RegistryTableName": "t1"}))
    assert Stack.from_args(arguments(outputs=str(path))).outputs == {"RegistryTableName": "t1"}


def test_outputs_come_from_cloudformation_by_stack_name(local_client):
    local_client("cloudformation").create_stack(StackName="MyPipeline", TemplateBody=json.dumps(TEMPLATE))
    stack = Stack.from_args(arguments(stack="MyPipeline"))
    assert stack.outputs["RegistryTableName"] == "registry-table"
    assert stack.project == "pets"  # the ProjectName output


def test_a_given_stack_name_wins_over_the_outputs_file_in_the_environment(
    local_client, tmp_path, monkeypatch
):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"RegistryTableName": "from-file"}))
    monkeypatch.setenv("CUSTOMLABELS_OUTPUTS", str(path))
    local_client("cloudformation").create_stack(StackName="MyPipeline", TemplateBody=json.dumps(TEMPLATE))
    assert Stack.from_args(arguments()).outputs == {"RegistryTableName": "from-file"}
    assert Stack.from_args(arguments(stack="MyPipeline")).outputs["RegistryTableName"] == "registry-table"


def test_project_order_explicit_then_output_then_cdk_json(tmp_path, monkeypatch, aws_credentials):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"customlabels": {"projectName": "fromcdk"}}}))
    assert Stack({"ProjectName": "out"}, "given").project == "given"
    assert Stack({"ProjectName": "out"}).project == "out"
    assert Stack({}).project == "fromcdk"


def test_project_from_the_registry_when_nothing_else_says(local_client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    create_registry_table(local_client("dynamodb"), "reg")
    stack = Stack({"RegistryTableName": "reg"})
    with pytest.raises(Exception, match="cannot tell which Custom Labels project"):
        _ = stack.project
    stack.registry().put_version({"project": "birds", "versionName": "v1"})
    assert stack.project == "birds"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("[1, 2]", "not an object of outputs"),
        ("{oops", "is not readable JSON"),
    ],
)
def test_bad_outputs_file_exits_2_saying_what_to_pass(tmp_path, capsys, aws_credentials, content, message):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    assert main(["status", "--outputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "fix:" in err and "serve --outputs" in err


def test_missing_stack_exits_2_pointing_at_deploy_or_serve(local_client, capsys):
    assert main(["status", "--stack", "Nope"]) == 2
    err = capsys.readouterr().err
    assert "stack Nope was not found" in err and "python -m local serve" in err


def test_missing_output_names_the_outputs_the_stack_has(tmp_path, capsys, aws_credentials):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"ConsoleBucketName": "b"}))
    assert main(["train", "--outputs", str(path), "--project", "p", "--training", "s3://b/t.manifest"]) == 2
    err = capsys.readouterr().err
    assert "no output TrainingStateMachineArn (it has: ConsoleBucketName)" in err


def test_a_stale_env_file_says_to_source_the_new_one(tmp_path, capsys, aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["status", "--stack", "Any"]) == 2
    err = capsys.readouterr().err
    assert "nothing answers at http://127.0.0.1:9" in err and "source the env file" in err
    assert "new port each run" in err


def test_no_region_exits_2_naming_the_env_file_first(tmp_path, capsys, aws_credentials, monkeypatch):
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "set AWS_REGION" in err and "source the env file `python -m local serve --env-file FILE`" in err


@pytest.mark.parametrize(
    "command",
    ["convert", "train", "status", "start", "stop", "promote", "report", "teardown", "validate", "watch"],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: customlabels {command}" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train"])
    assert exit_info.value.code == 2
    assert "--training" in capsys.readouterr().err


def test_teardown_needs_yes(tmp_path, capsys, aws_credentials):
    path = tmp_path / "outputs.json"
    path.write_text("{}")
    assert main(["teardown", "--outputs", str(path), "--project", "p"]) == 2
    assert "--yes" in capsys.readouterr().err
