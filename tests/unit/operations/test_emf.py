"""local/emf.py: EMF lines printed by Powertools become CloudWatch metrics, per invoking thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools import Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from local import emf

NAMESPACE = "CustomLabelsPipeline"


@pytest.fixture
def powertools_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "customlabels")


def detections(version: str, count: int) -> None:
    with single_metric(
        name="Detections",
        unit=MetricUnit.Count,
        value=count,
        default_dimensions={"ProjectName": "p", "VersionName": version},
    ):
        pass


def statistic(cloudwatch, name: str, dimensions: dict[str, str], stat: str = "Sum") -> list[float]:
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Statistics=[stat],
        Period=60,
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
    )["Datapoints"]
    return [point[stat] for point in points]


def test_powertools_metrics_reach_cloudwatch_with_their_dimensions(local_client, powertools_env) -> None:
    cloudwatch = local_client("cloudwatch")
    metrics = Metrics()
    with emf.capture() as captured:
        print("a log line that is not EMF")
        detections("v1", 3)
        metrics.add_metric(name="ImagesAnalysed", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ImagesAnalysed", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
    assert len(captured.documents()) == 2
    assert emf.publish(captured.documents(), cloudwatch) == 2
    dims = {"ProjectName": "p", "VersionName": "v1", "service": "customlabels"}
    assert statistic(cloudwatch, "Detections", dims) == [3.0]
    assert statistic(cloudwatch, "ImagesAnalysed", {"service": "customlabels"}) == [2.0]


def test_each_thread_captures_only_what_it_printed(powertools_env) -> None:
    results: dict[str, list[dict]] = {}
    start = threading.Barrier(4)

    def invoke(version: str) -> None:
        with emf.capture() as captured:
            start.wait()
            for _ in range(20):
                detections(version, 1)
        results[version] = captured.documents()

    threads = [threading.Thread(target=invoke, args=(f"v{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for version, documents in results.items():
        assert len(documents) == 20
        assert {document["VersionName"] for document in documents} == {version}


def test_outside_a_capture_nothing_is_recorded(powertools_env, capsys) -> None:
    with emf.capture() as captured:
        pass
    detections("v1", 1)
    assert captured.documents() == []
    assert '"Detections"' in capsys.readouterr().out, "printing still reaches stdout"


def test_emf_fields_map_to_put_metric_data() -> None:
    document = {
        "_aws": {
            "Timestamp": 1714996800000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "N",
                    "Dimensions": [["A"], ["A", "B"]],
                    "Metrics": [{"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1}],
                }
            ],
        },
        "A": "a",
        "B": 2,
        "Latency": [1.5, 2.5],
    }
    data = emf.metric_data(document)
    assert [namespace for namespace, _ in data] == ["N", "N"]
    first, second = (datum for _, datum in data)
    assert first["Dimensions"] == [{"Name": "A", "Value": "a"}]
    assert second["Dimensions"] == [{"Name": "A", "Value": "a"}, {"Name": "B", "Value": "2"}]
    assert (
        first["Values"] == [1.5, 2.5] and first["Unit"] == "Milliseconds" and first["StorageResolution"] == 1
    )
    assert first["Timestamp"] == datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
