"""`customlabels usage`: IU-hours, calls, throttles and cost per version and UTC day from CloudWatch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from customlabels_cli.commands.usage import EXAMPLE_PRICE_PER_IU_HOUR, gather, render
from customlabels_cli.main import main

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
TODAY = datetime(2026, 1, 10, tzinfo=UTC)


def put(cloudwatch, project: str, version: str, metric: str, value: float, at: datetime) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/Rekognition",
        MetricData=[
            {
                "MetricName": metric,
                "Value": value,
                "Timestamp": at,
                "Dimensions": [
                    {"Name": "ProjectName", "Value": project},
                    {"Name": "VersionName", "Value": version},
                ],
            }
        ],
    )


@pytest.fixture
def cloudwatch(local_client):
    client = local_client("cloudwatch")
    for minute in range(90):  # today: 90 minutes of one unit
        put(client, "shop", "v1", "InServiceInferenceUnits", 1, TODAY + timedelta(minutes=minute))
    for minute in range(30):  # yesterday: half an hour of two units
        put(client, "shop", "v1", "InServiceInferenceUnits", 2, TODAY - timedelta(hours=2, minutes=minute))
    for minute in range(60):  # another project, today
        put(client, "other", "v7", "InServiceInferenceUnits", 1, TODAY + timedelta(hours=1, minutes=minute))
    for _ in range(5):
        put(client, "shop", "v1", "SuccessfulRequestCount", 1, TODAY + timedelta(minutes=3))
    put(client, "shop", "v1", "ThrottledCount", 1, TODAY + timedelta(minutes=4))
    put(client, "shop", "v1", "InServiceInferenceUnits", 1, TODAY - timedelta(days=5))  # before --days 2
    return client


def test_unit_hours_calls_and_cost_per_version_and_day(cloudwatch) -> None:
    usage = gather(cloudwatch, None, 2, 4.0, NOW)
    rows = [
        (
            r["project"],
            r["version"],
            r["day"],
            r["inferenceUnitHours"],
            r["calls"],
            r["throttled"],
            r["estimatedCost"],
        )
        for r in usage["rows"]
    ]
    assert rows == [
        ("other", "v7", "2026-01-10", 1.0, 0, 0, 4.0),
        ("shop", "v1", "2026-01-09", 1.0, 0, 0, 4.0),
        ("shop", "v1", "2026-01-10", 1.5, 5, 1, 6.0),
    ]
    assert usage["total"] == {"inferenceUnitHours": 3.5, "calls": 5, "throttled": 1, "estimatedCost": 14.0}
    assert (usage["from"], usage["to"]) == ("2026-01-09", "2026-01-10")
    text = render(usage)
    assert "shop     v1" in text and "1.5000" in text and "14.00" in text


def test_one_project_only(cloudwatch) -> None:
    usage = gather(cloudwatch, "other", 1, EXAMPLE_PRICE_PER_IU_HOUR, NOW)
    assert [(r["version"], r["inferenceUnitHours"]) for r in usage["rows"]] == [("v7", 1.0)]


def test_nothing_ran(local_client) -> None:
    usage = gather(local_client("cloudwatch"), None, 7, 1.0, NOW)
    assert usage["rows"] == [] and "no model has run" in render(usage)


def test_command_prints_json_and_refuses_a_bad_range(local_client, capsys) -> None:
    assert main(["usage", "--json", "--days", "1", "--price-per-iu-hour", "2"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["pricePerInferenceUnitHour"] == 2 and printed["rows"] == []
    with pytest.raises(SystemExit) as exited:
        main(["usage", "--days", "16"])
    assert exited.value.code == 2 and "1-15" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--project", "other", "usage"], ["usage", "--project", "other"]])
def test_the_project_given_before_or_after_the_command_picks_its_usage(local_client, capsys, argv) -> None:
    client, now = local_client("cloudwatch"), datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for project in ("shop", "other"):  # a minute ago, and today (UTC), which --days 1 covers
        put(client, project, "v1", "InServiceInferenceUnits", 1, max(now - timedelta(minutes=1), today))
    assert main([*argv, "--json", "--days", "1"]) == 0
    usage = json.loads(capsys.readouterr().out)
    assert [row["project"] for row in usage["rows"]] == ["other"]
