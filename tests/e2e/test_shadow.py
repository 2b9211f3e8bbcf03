"""Shadow tests offline: a second version answers every upload next to the champion; the report
compares them; the challenger is started and stopped by the pipeline and its unit hours counted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from local.stack import DeployedStack
from tests.e2e.digits_champion import PROJECT, cli_output, digits_champion, upload, usual_mix
from tests.e2e.harness import act_as, person_with, until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
UPLOADS = 20


@pytest.fixture(scope="module")
def stack(stack_artifact, tmp_path_factory) -> Iterator[DeployedStack]:
    with digits_champion(stack_artifact, tmp_path_factory.mktemp("shadow"), also=("v2",)) as stack:
        yield stack


def model_status(stack: DeployedStack, version: str) -> str:
    rekognition = stack.client("rekognition")
    project_arn = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0][
        "ProjectArn"
    ]
    (found,) = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[version])[
        "ProjectVersionDescriptions"
    ]
    return found["Status"]


def test_a_challenger_on_every_upload_is_compared_then_stopped(stack: DeployedStack, capsys) -> None:
    out = cli_output(capsys, "shadow", "start", "v2", "--sample", "1.0")
    assert "Shadow test of v2 started" in out
    until(lambda: model_status(stack, "v2") == "RUNNING", 120, "the challenger to run")

    upload(stack, "shadowed", usual_mix(UPLOADS))
    report = json.loads(cli_output(capsys, "shadow", "report", "--json"))
    assert report["compared"] == UPLOADS
    assert 0.0 <= report["agreementRate"] <= 1.0
    assert {row["label"] for row in report["labels"]} >= {str(digit) for digit in range(10)}
    assert all(0.0 <= row["agreementRate"] <= 1.0 for row in report["labels"])
    assert len(report["disagreements"]) == round(UPLOADS * (1 - report["agreementRate"]))

    out = cli_output(capsys, "shadow", "stop")
    assert f"{UPLOADS} images compared" in out
    assert model_status(stack, "v2") in {"STOPPING", "STOPPED"}
    assert model_status(stack, "v1") == "RUNNING"  # the champion keeps serving
    stopped = json.loads(cli_output(capsys, "shadow", "report", "--json"))["test"]
    assert stopped["status"] == "STOPPED" and stopped["inferenceUnitHours"] > 0
    assert stopped["compared"] == UPLOADS and stopped["agreementRate"] == report["agreementRate"]


def test_the_champion_cannot_be_its_own_challenger(stack: DeployedStack, capsys) -> None:
    out = cli_output(capsys, "shadow", "start", "v1", code=2)
    assert "v1 is the champion" in out


def test_an_operator_runs_monitor_and_shadow_with_operator_access_alone(
    stack: DeployedStack, capsys, monkeypatch
) -> None:
    act_as(monkeypatch, person_with(stack, stack.outputs["OperatorAccessPolicyArn"]))
    report = json.loads(cli_output(capsys, "monitor", "--json"))
    assert report["status"] == "CHECKED" and report["champion"] == "v1"
    assert report["alarm"] in ("OK", "ALARM", "INSUFFICIENT_DATA")  # DescribeAlarms on the drift alarm
    out = cli_output(capsys, "shadow", "start", "v1", code=2)  # the function ran: it refused the champion
    assert "v1 is the champion" in out and "AccessDenied" not in out
