"""The drift report as CloudWatch metrics (Powertools EMF, the pipeline's namespace): the dashboard's
charts and the drift alarm read these. A window too small to judge publishes its image count only, so
the alarm sees missing data (not breaching) rather than a verdict on a handful of images."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from customlabels.monitoring.metric_names import (
    DIVERGENCE,
    DRIFT_DETECTED,
    LABEL_SHARE,
    LOW_CONFIDENCE_RATE,
    NO_LABEL_RATE,
    WINDOW_IMAGES,
)


def publish(metrics: Metrics, report: dict[str, Any]) -> None:
    if report["status"] != "CHECKED":
        return
    project = report["project"]
    metrics.add_dimension("ProjectName", project)
    metrics.add_metric(name=WINDOW_IMAGES, unit=MetricUnit.Count, value=report["windowImages"])
    if not report["judged"]:
        return
    metrics.add_metric(name=DIVERGENCE, unit=MetricUnit.NoUnit, value=report["labelMixDivergence"])
    metrics.add_metric(name=NO_LABEL_RATE, unit=MetricUnit.NoUnit, value=report["noLabelRate"]["window"])
    metrics.add_metric(
        name=LOW_CONFIDENCE_RATE, unit=MetricUnit.NoUnit, value=report["lowConfidenceRate"]["window"]
    )
    metrics.add_metric(name=DRIFT_DETECTED, unit=MetricUnit.Count, value=int(report["drift"]))
    for label in report["labels"]:
        dimensions = {"ProjectName": project, "Label": label["label"]}
        with single_metric(
            name=LABEL_SHARE,
            unit=MetricUnit.NoUnit,
            value=label["windowShare"],
            default_dimensions=dimensions,
        ):
            pass
