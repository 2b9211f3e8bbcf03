"""The console's Monitoring page against the in-process local AWS: what to do before there is a champion,
a drift check or a shadow test; the drift check's latest report with a chart per label read from
CloudWatch; the shadow test's figures and its disagreeing images, a page at a time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from markupsafe import escape

from customlabels.monitoring import latest_report
from customlabels.monitoring.drift import Profile, Thresholds, compare
from customlabels.monitoring.metric_names import LABEL_SHARE, NO_LABEL_RATE
from customlabels.naming import METRIC_NAMESPACE
from customlabels.training.registry import Registry
from customlabels_cli.commands import monitor
from customlabels_cli.console.app import create_app
from customlabels_cli.console.drift_view import dimensions
from customlabels_cli.console.shadow_view import PAGE_SIZE
from customlabels_cli.support.stack import Stack
from tests.fixtures.tables import create_registry_table

PROJECT = "digits"
ARN = "arn:aws:rekognition:us-east-1:123456789012:project/digits/version/v1/1"
OUTPUTS = {
    "RegistryTableName": "registry",
    "DriftAlarmName": "drift",
    "InferenceBucketName": "inference",
    "ShadowControlFunctionName": "shadow-control",
}
THRESHOLDS = Thresholds(
    max_divergence=0.1, max_no_label_increase=0.2, max_low_confidence_increase=0.25, min_images=4
)


@pytest.fixture
def stack(local_client) -> Stack:
    create_registry_table(boto3.resource("dynamodb"))
    boto3.client("s3").create_bucket(Bucket="inference")
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName="drift",
        Namespace=METRIC_NAMESPACE,
        MetricName="DriftDetected",
        Statistic="Maximum",
        Period=3600,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return Stack(OUTPUTS, PROJECT, boto3.Session())


def page(stack: Stack, query: str = "") -> str:
    return create_app(stack, "t").test_client().get(f"/monitoring{query}").get_data(as_text=True)


def drift_report(now: datetime) -> dict:
    """A checked window of sevens against a baseline of threes and eights."""
    baseline = Profile.of([{"3": 90.0}, {"8": 92.0}] * 10)
    window = Profile.of([{"7": 95.0}] * 4 + [{"3": 91.0}])
    head = {
        "project": PROJECT,
        "champion": "v1",
        "windowStart": "2026-12-06T12:00:00.000Z",
        "windowEnd": now.isoformat(),
        "status": "CHECKED",
    }
    thresholds = {
        "maxDivergence": 0.1,
        "maxNoLabelIncrease": 0.2,
        "maxLowConfidenceIncrease": 0.25,
        "minImages": 4,
    }
    return {**head, "thresholds": thresholds, **compare(baseline, window, THRESHOLDS).as_json()}


def publish_shares(now: datetime) -> None:
    """Two checks an hour apart: 7's share rose; the no-label rate was published once."""
    data = [
        {
            "MetricName": LABEL_SHARE,
            "Timestamp": when,
            "Value": share,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions(PROJECT, "7").items()],
        }
        for when, share in ((now - timedelta(hours=2), 0.4), (now - timedelta(hours=1), 0.8))
    ]
    data.append(
        {
            "MetricName": NO_LABEL_RATE,
            "Timestamp": now - timedelta(hours=1),
            "Value": 0.0,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions(PROJECT).items()],
        }
    )
    boto3.client("cloudwatch").put_metric_data(Namespace=METRIC_NAMESPACE, MetricData=data)


def test_before_a_champion_a_check_or_a_shadow_test_the_page_says_what_to_run(stack: Stack) -> None:
    shown = page(stack)
    assert 'href="/monitoring">Monitoring</a>' in shown  # in the menu
    assert "Project digits has no champion yet" in shown and "customlabels promote VERSION" in shown
    assert "project digits has had no shadow test: start one: customlabels shadow start VERSION" in shown
    Registry("registry", boto3.resource("dynamodb")).set_champion(PROJECT, "v1", ARN, 0.9)
    shown = page(stack)
    assert "No drift check has run yet: it runs every 60 minutes; run `customlabels monitor` now." in shown
    (alarm,) = boto3.client("cloudwatch").describe_alarms(AlarmNames=["drift"])["MetricAlarms"]
    assert f'Drift alarm: <strong id="drift-alarm">{alarm["StateValue"]}</strong>' in shown


def test_the_latest_report_shows_the_clis_figures_and_a_chart_per_label_with_its_baseline(stack) -> None:
    now = datetime.now(UTC)
    registry = Registry("registry", boto3.resource("dynamodb"))
    registry.set_champion(PROJECT, "v1", ARN, 0.9)
    report = drift_report(now)
    latest_report.save(registry.table, report)
    publish_shares(now)
    shown = page(stack)
    assert 'Latest check of champion v1: <strong class="gate-failed">DRIFT</strong>' in shown
    assert all(str(escape(line)) in shown for line in monitor.figures(report) + report["reasons"])
    charts = re.findall(r'<figure class="chart label-share" data-title="([^"]+)">(.*?)</figure>', shown, re.S)
    assert [title for title, _ in charts] == ["3", "7", "8"]  # one chart per label of the report
    assert all(svg.count("<svg") == 1 for _, svg in charts)
    seven = dict(charts)["7"]
    assert seven.count("<circle") == 2 and "<polyline" in seven and "latest 80.0%" in seven
    assert "baseline 0.0%" in seven and "baseline 50.0%" in dict(charts)["3"]
    assert dict(charts)["3"].count("<circle") == 0 and "no data point yet" in dict(charts)["3"]
    rates = re.findall(r'<figure class="chart rate" data-title="([^"]+)">(.*?)</figure>', shown, re.S)
    assert [title for title, _ in rates] == ["Label-mix divergence", "No-label rate", "Low-confidence rate"]
    assert (
        dict(rates)["No-label rate"].count("<circle") == 1
        and "drift at 0.1" in dict(rates)["Label-mix divergence"]
    )


def test_a_report_of_a_former_champion_says_the_next_check_compares_the_new_one(stack) -> None:
    registry = Registry("registry", boto3.resource("dynamodb"))
    latest_report.save(registry.table, drift_report(datetime.now(UTC)))
    registry.set_champion(PROJECT, "v2", ARN.replace("v1", "v2"), 0.9)
    assert "This check was of v1; the champion is now v2" in page(stack)


def shadow_records(count: int, disagreeing: int) -> None:
    s3 = boto3.client("s3")
    for index in range(count):
        challenger = ["7"] if index < disagreeing else ["3"]
        record = {
            "image": f"s3://inference/uploads/b/{index:03d}.png",
            "version": "1",
            "champion": {"versionName": "v1", "labels": ["3"]},
            "challenger": {"versionName": "v2", "labels": challenger},
        }
        s3.put_object(
            Bucket="inference",
            Key=f"shadow/{PROJECT}/v2/uploads/b/{index:03d}.png#1.json",
            Body=json.dumps(record).encode(),
        )


def shadow_test_started() -> None:
    """The SHADOW item the shadow control writes when v2's test starts against champion v1."""
    boto3.resource("dynamodb").Table("registry").put_item(
        Item={
            "project": PROJECT,
            "sk": "SHADOW",
            "versionName": "v2",
            "versionArn": ARN.replace("v1", "v2"),
            "championVersionName": "v1",
            "sample": 1,
            "status": "ACTIVE",
            "startedAt": "2026-12-07T10:00:00+00:00",
        }
    )


def test_the_shadow_test_shows_its_figures_and_the_disagreeing_images_a_page_at_a_time(stack) -> None:
    shadow_test_started()
    shadow_records(PAGE_SIZE + 6, PAGE_SIZE + 1)
    shown = page(stack)
    assert '<dd id="shadow-compared">30</dd>' in shown and '<dd id="shadow-agreement">16.7%</dd>' in shown
    assert f"Images where they disagree ({PAGE_SIZE + 1})" in shown
    tiles = re.findall(r'<figure class="disagreement" data-image="([^"]+)">(.*?)</figure>', shown, re.S)
    assert len(tiles) == PAGE_SIZE
    image, tile = tiles[0]
    assert image == "s3://inference/uploads/b/000.png" and f'src="/image?uri={image}"' in tile
    assert re.search(r'class="champion-labels">.*champion v1.*>3</span>', tile)
    assert re.search(r'class="challenger-labels">.*challenger v2.*>7</span>', tile)
    assert "page 1 of 2" in shown and 'id="shadow-next" href="/monitoring?shadow_page=2#shadow"' in shown
    second = re.findall(r'<figure class="disagreement"', page(stack, "?shadow_page=2"))
    assert len(second) == 1


def test_a_reload_reads_only_the_comparisons_written_since(stack) -> None:
    shadow_test_started()
    reads: list[str] = []
    stack.client("s3").meta.events.register(
        "provide-client-params.s3.GetObject", lambda params, **_: reads.append(params["Key"])
    )
    client = create_app(stack, "t").test_client()
    shadow_records(10, 4)
    assert '<dd id="shadow-compared">10</dd>' in client.get("/monitoring").get_data(as_text=True)
    assert len(reads) == 10
    shadow_records(12, 4)  # two more images compared; the first ten written again alike (same ETags)
    shown = client.get("/monitoring").get_data(as_text=True)
    assert '<dd id="shadow-compared">12</dd>' in shown and len(reads) == 12


def test_credentials_that_may_not_read_metrics_get_the_report_and_say_why_charts_are_missing(stack) -> None:
    registry = Registry("registry", boto3.resource("dynamodb"))
    registry.set_champion(PROJECT, "v1", ARN, 0.9)
    latest_report.save(registry.table, drift_report(datetime.now(UTC)))

    def refuse(**_: object) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "GetMetricData")

    stack.client("cloudwatch").meta.events.register("before-call.monitoring.GetMetricData", refuse)
    shown = page(stack)
    assert "Latest check of champion v1" in shown and 'id="drift-labels"' in shown
    assert "No charts: your credentials may not read the metrics" in shown and "AccessDenied" in shown
    assert '<figure class="chart' not in shown
