"""Emitting the per-model `Detections` metric (Powertools EMF): the detect path and both batch children."""

from __future__ import annotations

from aws_lambda_powertools import single_metric
from aws_lambda_powertools.metrics import MetricUnit

from customlabels.metrics import Dimension, Metric


def emit_detections(project: str, version_name: str, count: int) -> None:
    """One EMF record with its own dimensions (the function's Metrics object has none per model)."""
    dimensions = {Dimension.PROJECT_NAME.value: project, Dimension.VERSION_NAME.value: version_name}
    with single_metric(
        name=Metric.DETECTIONS.value, unit=MetricUnit.Count, value=count, default_dimensions=dimensions
    ):
        pass
