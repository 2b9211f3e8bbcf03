"""The service's CloudWatch metrics (AWS/Rekognition, ProjectName / VersionName): units in service of a
running model on a timer, and the outcome of every DetectCustomLabels call."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.emulator.errors import InternalServerError, InvalidImageFormatException
from local.emulator.settings import ServiceSettings
from local.emulator.usage_metrics import UsageMetrics
from tests.fixtures.local_aws import wait_until
from tests.unit.emulator.test_lifecycle import OUTPUT, project_with_datasets, version

ARN = "arn:aws:rekognition:us-east-1:123456789012:project/digits/version/v1/1700000000000"
PERIOD = 0.1


def published(call) -> list[tuple[str, float]]:
    sent: list[dict] = []
    metrics = UsageMetrics(sent.extend, 60)
    with pytest.raises(Exception), metrics.call(ARN) as record:  # noqa: B017 - any error is recorded
        call(record)
    assert {tuple((d["Name"], d["Value"]) for d in item["Dimensions"]) for item in sent} == {
        (("ProjectName", "digits"), ("VersionName", "v1"))
    }
    return [(item["MetricName"], item["Value"]) for item in sent]


@pytest.mark.parametrize(
    ("error", "metric"),
    [
        (InvalidImageFormatException("not an image"), "UserErrorCount"),
        (InternalServerError("broken"), "ServerErrorCount"),
        (RuntimeError("a bug"), "ServerErrorCount"),
    ],
)
def test_a_failed_call_counts_as_its_kind_of_error(error: Exception, metric: str) -> None:
    def fail(record) -> None:
        raise error

    assert published(fail) == [(metric, 1.0)]


def test_a_successful_call_publishes_its_labels_and_response_time() -> None:
    sent: list[dict] = []
    with UsageMetrics(sent.extend, 60).call(ARN) as record:
        time.sleep(0.02)
        record.labels = 3
    values = {item["MetricName"]: (item["Value"], item["Unit"]) for item in sent}
    assert values["SuccessfulRequestCount"] == (1.0, "Count")
    assert values["DetectedLabelCount"] == (3.0, "Count")
    assert values["ResponseTime"][1] == "Milliseconds" and values["ResponseTime"][0] >= 20


def test_units_in_service_are_one_point_per_running_model_and_period() -> None:
    sent: list[dict] = []
    metrics = UsageMetrics(sent.extend, PERIOD)
    metrics.start(lambda: {ARN: (2, 3)})  # scaling up: a third unit wanted, not yet in service
    time.sleep(PERIOD * 3.5)
    metrics.shutdown()
    units = [item["Value"] for item in sent if item["MetricName"] == "InServiceInferenceUnits"]
    assert units and set(units) == {2.0} and 2 <= len(units) <= 4
    desired = [item["Value"] for item in sent if item["MetricName"] == "DesiredInferenceUnits"]
    assert set(desired) == {3.0} and len(desired) == len(units)


@pytest.fixture
def service_settings() -> ServiceSettings:
    return ServiceSettings(usage_period_seconds=PERIOD, iu_tps=1)


def statistic(cloudwatch, metric: str, stat: str = "Sum", version_name: str = "v1") -> float:
    now = datetime.now(UTC)
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Rekognition",
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "ProjectName", "Value": "digits"},
                            {"Name": "VersionName", "Value": version_name},
                        ],
                    },
                    "Period": 3600,
                    "Stat": stat,
                },
            }
        ],
        StartTime=now - timedelta(minutes=30),
        EndTime=now + timedelta(minutes=30),
    )["MetricDataResults"][0]
    return sum(result["Values"])


@pytest.mark.slow
def test_a_running_model_reports_units_and_calls_in_cloudwatch(local_client, s3, digits, held) -> None:
    once = Config(retries={"mode": "standard", "total_max_attempts": 1})
    rekognition = local_client("rekognition", config=once)
    cloudwatch = local_client("cloudwatch")
    project, _, _ = project_with_datasets(rekognition, digits, held)
    arn = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)[
        "ProjectVersionArn"
    ]
    held()
    assert statistic(cloudwatch, "InServiceInferenceUnits", "SampleCount") == 0
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    held()
    assert version(rekognition, project)["Status"] == "RUNNING"
    wait_until(lambda: statistic(cloudwatch, "InServiceInferenceUnits", "SampleCount"), lambda n: n >= 3)
    assert statistic(cloudwatch, "InServiceInferenceUnits", "Maximum") == 1

    key = s3.list_objects_v2(Bucket="customlabels-test", Prefix="digits/images/")["Contents"][0]["Key"]
    image = s3.get_object(Bucket="customlabels-test", Key=key)["Body"].read()
    succeeded, throttled, labels = 0, 0, 0
    for _ in range(4):  # one call per second and unit: some of 4 calls in a row are throttled
        try:
            labels += len(
                rekognition.detect_custom_labels(
                    ProjectVersionArn=arn,
                    Image={"Bytes": image},
                    MinConfidence=0,
                )["CustomLabels"]
            )
            succeeded += 1
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            throttled += 1
    time.sleep(1.1)  # the throughput window is one second
    with pytest.raises(ClientError, match="InvalidImageFormatException"):
        rekognition.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": b"not an image"})
    assert succeeded >= 1 and throttled >= 1 and labels >= succeeded
    assert statistic(cloudwatch, "SuccessfulRequestCount") == succeeded
    assert statistic(cloudwatch, "ThrottledCount") == throttled
    assert statistic(cloudwatch, "UserErrorCount") == 1
    assert statistic(cloudwatch, "ServerErrorCount") == 0
    assert statistic(cloudwatch, "DetectedLabelCount") == labels
    assert statistic(cloudwatch, "ResponseTime", "Maximum") > 0

    rekognition.stop_project_version(ProjectVersionArn=arn)
    held()
    stopped_at = statistic(cloudwatch, "InServiceInferenceUnits", "SampleCount")
    time.sleep(PERIOD * 4)
    assert statistic(cloudwatch, "InServiceInferenceUnits", "SampleCount") == stopped_at
