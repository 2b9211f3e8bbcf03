"""The pipeline's own CloudWatch metrics (namespace `naming.METRIC_NAMESPACE`): names and dimensions the
Lambdas emit and infra/operations.py charts and alarms on, and the AWS/Rekognition metric the guard reads.

Plain Python (no Powertools): infra/ imports the names; `customlabels.metric_emit` emits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Metric(StrEnum):
    DETECTIONS = "Detections"  # per model version: the idle guard's traffic signal
    IMAGES_ANALYSED = "ImagesAnalysed"
    IMAGES_REJECTED = "ImagesRejected"
    DUPLICATE_EVENTS = "DuplicateEvents"
    VIDEOS_BATCHED = "VideosBatched"
    THROUGHPUT_EXCEEDED = "ThroughputExceeded"
    RUNNING_MODELS = "RunningModels"
    MODELS_STOPPED_BY_GUARD = "ModelsStoppedByGuard"
    RUNNING_MODEL_IDLE_MINUTES = "RunningModelIdleMinutes"
    INFERENCE_UNIT_HOURS_TODAY = "InferenceUnitHoursToday"
    RESULT_DOCUMENTS_WRITTEN = "ResultDocumentsWritten"  # from the results table's stream to S3


class Dimension(StrEnum):
    """Per-model dimensions, named as AWS/Rekognition's (spec 05 §3) so one SEARCH covers both."""

    PROJECT_NAME = "ProjectName"
    VERSION_NAME = "VersionName"


# Inference units in service, per model version (AWS/Rekognition, spec 05 §3): the daily cap's measure.
REKOGNITION_NAMESPACE = "AWS/Rekognition"
IN_SERVICE_INFERENCE_UNITS = "InServiceInferenceUnits"


def metric_query(
    query_id: str, namespace: str, metric: str, dimensions: Mapping[str, str], period: int, stat: str
) -> dict[str, Any]:
    """One GetMetricData MetricDataQuery (the guard's, the CLI's and the console's). `query_id` must
    start with a lower-case letter (letters, digits and _ only: CloudWatch API Reference, MetricDataQuery)."""
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": str(name), "Value": value} for name, value in dimensions.items()],
            },
            "Period": period,
            "Stat": stat,
        },
    }
