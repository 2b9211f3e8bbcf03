"""The console switches projects: the chosen project's pages at /, every other deployed project's pages
under /p/<project>/ reading that project's own pipeline, and each page's menu links to the others."""

from __future__ import annotations

import json
import re

import boto3
import pytest
from werkzeug.test import Client

from customlabels_cli.commands.console import other_pipelines
from customlabels_cli.console.projects import console_app
from customlabels_cli.support.stack import Stack
from tests.fixtures.pipelines import deploy_pipeline

TOKEN = "session-token"


@pytest.fixture
def stacks(local_client) -> tuple[Stack, list[Stack]]:
    for project in ("alpha", "beta", "gamma"):
        deploy_pipeline(local_client, project)
        item = {"project": project, "sk": "VERSION#v1", "versionName": f"{project}.v1", "createdAt": "2026"}
        boto3.client("dynamodb").put_item(
            TableName=f"{project}-registry", Item={k: {"S": v} for k, v in item.items()}
        )
    outputs = {"ProjectName": "beta", "RegistryTableName": "beta-registry"}
    chosen = Stack(outputs, "beta", boto3.Session())
    return chosen, other_pipelines(chosen)


def _menu(page: str) -> list[tuple[str, str]]:
    found = re.search(r'<span class="projects">(.*?)</span>', page, re.S)
    assert found, page
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', found.group(1))


def test_the_other_deployed_projects_are_found(stacks) -> None:
    _, others = stacks
    assert [stack.project for stack in others] == ["alpha", "gamma"]


def test_each_project_has_its_pages_and_the_menu_leads_to_the_others(stacks) -> None:
    chosen, others = stacks
    client = Client(console_app(chosen, others, TOKEN, set()))
    home = client.get("/").get_data(as_text=True)
    assert "project beta" in home
    assert _menu(home) == [("/p/alpha/", "alpha"), ("/p/gamma/", "gamma")]
    alpha = client.get("/p/alpha/").get_data(as_text=True)
    assert "project alpha" in alpha and _menu(alpha) == [("/", "beta"), ("/p/gamma/", "gamma")]
    assert 'href="/p/alpha/results"' in alpha  # its own links stay under its prefix
    models = {path: json.loads(client.get(f"{path}api/models").get_data()) for path in ("/", "/p/alpha/")}
    assert [row["version"] for row in models["/"]] == ["beta.v1"]
    assert [row["version"] for row in models["/p/alpha/"]] == ["alpha.v1"]


def test_one_project_alone_has_no_menu(stacks) -> None:
    chosen, _ = stacks
    home = Client(console_app(chosen, [], TOKEN, set())).get("/").get_data(as_text=True)
    assert 'class="projects"' not in home


def test_each_projects_monitoring_page_reads_its_own_pipeline(stacks) -> None:
    chosen, others = stacks
    client = Client(console_app(chosen, others, TOKEN, set()))
    alpha = client.get("/p/alpha/monitoring").get_data(as_text=True)
    assert "Monitoring of alpha" in alpha and 'href="/p/alpha/monitoring">Monitoring</a>' in alpha
    assert "Project alpha has no champion yet" in alpha
    assert "project alpha has had no shadow test" in alpha
