"""Several projects' pipelines in one account: which one a command uses (`--project`, before or after
the command, or CUSTOMLABELS_PROJECT; without one, the only pipeline deployed) and `customlabels
projects`, which lists them with their champion."""

from __future__ import annotations

import json

import pytest

from customlabels_cli.main import main
from tests.fixtures.pipelines import deploy_pipeline


def status_json(capsys, *argv: str) -> dict:
    assert main([*argv]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_the_only_pipeline_deployed_is_used_without_a_project(local_client, capsys):
    deploy_pipeline(local_client, "alpha")
    assert status_json(capsys, "status", "--json")["project"] == "alpha"


def test_several_pipelines_without_a_project_list_them_and_say_how_to_choose(
    local_client, capsys, monkeypatch
):
    monkeypatch.delenv("CUSTOMLABELS_PROJECT", raising=False)
    deploy_pipeline(local_client, "alpha")
    deploy_pipeline(local_client, "beta")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "2 pipelines are deployed: alpha (stack CustomLabels-alpha), beta (stack CustomLabels-beta)" in err
    assert "--project NAME or $CUSTOMLABELS_PROJECT" in err


@pytest.mark.parametrize(
    ("argv", "environment"),
    [
        (["--project", "beta", "status", "--json"], None),
        (["status", "--json", "--project", "beta"], None),
        (["status", "--json"], "beta"),
    ],
)
def test_the_project_chooses_its_pipeline(local_client, capsys, monkeypatch, argv, environment):
    if environment:
        monkeypatch.setenv("CUSTOMLABELS_PROJECT", environment)
    deploy_pipeline(local_client, "alpha")
    deploy_pipeline(local_client, "beta")
    assert status_json(capsys, *argv)["project"] == "beta"


def test_an_unknown_project_names_the_deployed_ones(local_client, capsys):
    deploy_pipeline(local_client, "alpha")
    assert main(["--project", "gamma", "status"]) == 2
    err = capsys.readouterr().err
    assert "no pipeline of project gamma is deployed" in err and "alpha (stack CustomLabels-alpha)" in err
    assert "python -m local deploy -c projectName=gamma" in err


def test_another_projects_outputs_file_in_the_environment_gives_way(
    local_client, capsys, monkeypatch, tmp_path
):
    deploy_pipeline(local_client, "alpha")
    deploy_pipeline(local_client, "beta")
    alpha = tmp_path / "alpha.json"
    alpha.write_text(json.dumps({"ProjectName": "alpha", "RegistryTableName": "alpha-registry"}))
    monkeypatch.setenv("CUSTOMLABELS_OUTPUTS", str(alpha))
    assert status_json(capsys, "--project", "beta", "status", "--json")["project"] == "beta"
    assert main(["--project", "beta", "status", "--outputs", str(alpha)]) == 2
    assert "is project alpha's, not beta's" in capsys.readouterr().err


def test_projects_lists_each_pipeline_with_its_champion(local_client, capsys):
    deploy_pipeline(local_client, "alpha")
    deploy_pipeline(local_client, "beta")
    champion = {"project": "beta", "sk": "CHAMPION", "versionName": "beta.v1"}
    local_client("dynamodb").put_item(
        TableName="beta-registry", Item={k: {"S": v} for k, v in champion.items()}
    )
    assert main(["projects"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["project", "stack", "champion", "champion", "status", "trainings", "running"]
    assert lines[2].split()[:3] == ["alpha", "CustomLabels-alpha", "none"]
    assert lines[3].split()[:3] == ["beta", "CustomLabels-beta", "beta.v1"]
