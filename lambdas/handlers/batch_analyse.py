"""Task AnalyseBatch (the Distributed Map's child): one batch of images through the upload path's analyser."""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from customlabels.batch.children import ANALYSED
from customlabels.batch.entry import batch_analyser
from customlabels.batch.settings import BatchSettings
from customlabels.metric_emit import emit_detections
from customlabels.metrics import Metric

logger, tracer, metrics = Logger(), Tracer(), Metrics()
ENV = BatchSettings.from_environment(os.environ)
ANALYSER = batch_analyser(ENV)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    answer = ANALYSER.run(event)
    analysed = answer["counts"].get(ANALYSED, 0)
    metrics.add_metric(name=Metric.IMAGES_ANALYSED, unit=MetricUnit.Count, value=analysed)
    if analysed:  # the idle guard's traffic signal: a backfill keeps its model running
        emit_detections(ENV.project_name, event["BatchInput"]["versionName"], analysed)
    return answer
