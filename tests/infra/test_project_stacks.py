"""Each project's pipeline in a stack of its own (issue 32): the name follows the project, the default
project keeps the stack it always had, ``-c stackName`` keeps an older stack of another project, and the
offline profile gives each project a console bucket of its own."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from customlabels.naming import production_stack_name_for
from infra.assembly import stack_name
from infra.config import Config, ConfigError
from local.synth import local_context
from tests.infra.synth import build_stack


@pytest.mark.parametrize(
    ("context", "project", "expected"),
    [
        ({}, "customlabels", "CustomLabelsPipeline"),
        ({}, "beta", "CustomLabels-beta"),
        ({}, "shelf_products.v2", "CustomLabels-shelf-products-v2"),
        ({"stackName": "CustomLabelsPipeline"}, "digits", "CustomLabelsPipeline"),
    ],
)
def test_the_stack_name_follows_the_project(context, project, expected) -> None:
    assert stack_name(cdk.App(context=context), Config(projectName=project)) == expected


def test_a_bad_stack_name_is_refused_with_the_rule() -> None:
    with pytest.raises(ConfigError, match="stackName='2nd stack' is not a stack name: a letter, then"):
        stack_name(cdk.App(context={"stackName": "2nd stack"}), Config())


def test_the_production_stack_follows_the_project_too() -> None:
    assert production_stack_name_for("customlabels") == "CustomLabelsProduction"
    assert production_stack_name_for("beta") == "CustomLabelsProduction-beta"


def test_offline_each_project_gets_its_own_console_bucket_suffix() -> None:
    assert local_context({})["consoleBucketSuffix"] == "local"
    assert local_context({"projectName": "Beta_Team.2"})["consoleBucketSuffix"] == "local-beta-team-2"
    assert local_context({"projectName": "a" * 40})["consoleBucketSuffix"] == "local-" + "a" * 15
    assert local_context({"projectName": "b", "consoleBucketSuffix": "x"})["consoleBucketSuffix"] == "x"


def test_a_projects_metrics_and_alarms_are_its_own(template_json) -> None:
    """Throttles and rejected images of one project never set off another's alarms: the functions'
    Powertools service (a dimension of every metric they publish) and the alarms name the project."""
    beta = Template.from_stack(build_stack(projectName="beta")).to_json()

    def services(template: dict) -> set[str]:
        functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
        named = {f["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
                 for f in functions if "Environment" in f["Properties"]}
        dimensions = [d for a in alarms for d in a["Properties"].get("Dimensions", [])]
        return named | {d["Value"] for d in dimensions if d["Name"] == "service"}

    assert services(template_json) == {"customlabels"}  # the default project's, as before
    assert services(beta) == {"customlabels-beta"}
