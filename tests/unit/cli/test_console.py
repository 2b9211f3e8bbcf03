"""The console's guard (token, host) and the evaluation page shared with the static report."""

from __future__ import annotations

import re

import boto3
import pytest

from customlabels_cli.commands.console import console_server, console_url
from customlabels_cli.console.app import create_app
from customlabels_cli.console.evaluation_page import describe_at
from customlabels_cli.console.rendering import static_report
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.evaluation_images import label_scores, parse_snapshot
from customlabels_cli.support.evaluation_report import Lineage, read_evaluation, text_report
from customlabels_cli.support.stack import Stack
from customlabels_cli.support.version_evaluation import VersionEvaluation
from tests.unit.cli.test_evaluation_images import example_b_snapshot

TOKEN = "session-token"


@pytest.fixture
def client():
    stack = Stack({"ModelControlStateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:x"}, "proj")
    return create_app(stack, TOKEN).test_client()


@pytest.mark.parametrize(
    ("path", "data"),
    [("/models/v1/stop", {}), ("/models/v1/start", {"token": "guess"}), ("/analyse", {"version": "v1"})],
)
def test_state_changing_requests_without_the_session_token_are_refused(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert b"console token" in response.data


def test_a_request_naming_another_host_is_refused(client):
    response = client.get("/api/models", headers={"Host": "attacker.example:80"})
    assert response.status_code == 403


SUMMARY = {
    "EvaluationDetails": {
        "ProjectVersionArn": "arn:aws:rekognition:us-east-1:1:project/p/version/v7/1",
        "EvaluationEndTimestamp": "2026-12-03T10:00:00.000000",
        "NumberOfTrainingImages": 20,
        "NumberOfTestingImages": 7,
    },
    "AggregatedEvaluationResults": {
        "Precision": 0.6667,
        "Recall": 1.0,
        "F1Score": 0.8,
        "ConfusionMatrix": [{"GroundTruthLabel": "X", "PredictedLabel": "X", "Value": 1.0}],
    },
    "LabelEvaluationResults": [
        {
            "Label": "X",
            "NumberOfTestingImages": 4,
            "Metrics": {"Threshold": 0.4, "Precision": 0.6667, "Recall": 1.0, "F1Score": 0.8},
        },
    ],
}
LINEAGE = Lineage(
    gate_passed=False,
    gate_reason="F1 0.800 is below 0.900",
    f1_threshold=0.9,
    min_label_f1=0.5,
    training_manifest="s3://b/train.manifest",
    testing_manifest="s3://b/test.manifest",
    created_at="2026-12-03T09:00:00+00:00",
    version_arn=None,
)


def test_text_report_explains_the_two_views_and_carries_gate_and_lineage():
    out = text_report(read_evaluation(SUMMARY, "v7"), LINEAGE)
    assert out.startswith("v7: F1 0.800")
    assert re.search(r"gate:\s+failed: F1 0.800 is below 0.900", out)
    assert re.search(r"gate threshold:\s+F1 >= 0.900, every label F1 >= 0.500", out)
    assert re.search(r"evaluated:\s+2026-12-03T10:00:00", out)
    assert "model:" in out and "project/p/version/v7/1" in out
    assert "s3://b/train.manifest" in out and "s3://b/test.manifest" in out
    assert "assumed threshold" in out and "top label" in out
    assert out.count("v7") == 2  # the headline and the model ARN: no repeated title


def test_static_report_embeds_images_filters_and_the_slider_values():
    text, _ = example_b_snapshot()
    images = parse_snapshot(text)
    scores = label_scores(images, ["X"])
    view = VersionEvaluation(read_evaluation(SUMMARY, "v7"), LINEAGE, images, scores)
    page = static_report(view, lambda image: "data:image/png;base64,AAAA")
    assert page.count('<figure class="test-image"') == 7
    assert page.count("<h1>") == 1 and page.count("Evaluation of v7") == 2  # <title> and <h1>
    assert 'data-mode="client"' in page and "function metricsAt" in page
    assert describe_at(0.4, scores[0]) == "at 40.00%: precision 0.667, recall 1.000, F1 0.800"
    assert describe_at(0.4, scores[0]) in page
    assert 'data-outcomes="X:FP Y:FN"' in page  # img2: X at 0.80 on a Y image; Y at 0.20 missed
    assert "gate threshold" in page and "s3://b/test.manifest" in page


def test_the_console_binds_127_0_0_1_and_a_busy_port_is_a_usage_error():
    stack = Stack({}, "proj")
    server = console_server(stack)
    try:
        assert console_url(server).startswith("http://127.0.0.1:")
        with pytest.raises(CliError, match="cannot listen"):
            console_server(stack, port=server.port)
    finally:
        server.server_close()


def test_thumbnails_stream_from_s3_and_revalidate_by_etag(local_client):
    s3 = local_client("s3")
    s3.create_bucket(Bucket="images")
    s3.put_object(Bucket="images", Key="a.png", Body=b"\x89PNG fake", ContentType="image/png")
    client = create_app(Stack({}, "proj", boto3.Session()), TOKEN).test_client()
    first = client.get("/image?uri=s3://images/a.png")
    assert first.status_code == 200 and first.data == b"\x89PNG fake"
    assert first.headers["Content-Type"] == "image/png" and first.headers["ETag"]
    again = client.get("/image?uri=s3://images/a.png", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/image?uri=s3://images/missing.png").status_code == 404
    assert client.get("/image?uri=/etc/passwd").status_code == 400


def test_a_start_that_bills_beside_the_champion_is_confirmed_and_says_why():
    from customlabels_cli.console.models import start_warning

    failed = {"gate": {"passed": False, "reason": "F1 0.700 is below 0.800"}}
    assert start_warning("v2", failed, is_champion=False).startswith(
        "v2 failed its gate (F1 0.700 is below 0.800)"
    )
    assert "bills" in start_warning("v3", {"gate": {"passed": True}}, is_champion=False)
    assert "is not the champion" in start_warning("v3", {"gate": {"passed": True}}, is_champion=False)
    assert start_warning("v1", {"gate": {"passed": True}}, is_champion=True) is None
