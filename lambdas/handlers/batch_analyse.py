"""Task AnalyseBatch (the Distributed Map's child): one batch of images through the upload path's analyser."""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from customlabels.batch.children import ANALYSED
from customlabels.batch.entry import batch_analyser

logger, tracer, metrics = Logger(), Tracer(), Metrics()
ANALYSER = batch_analyser(os.environ)
PROJECT = os.environ["PROJECT_NAME"]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    answer = ANALYSER.run(event)
    analysed = answer["counts"].get(ANALYSED, 0)
    metrics.add_metric(name="ImagesAnalysed", unit=MetricUnit.Count, value=analysed)
    if analysed:  # the idle guard's traffic signal: a backfill keeps its model running
        dimensions = {"ProjectName": PROJECT, "VersionName": event["BatchInput"]["versionName"]}
        with single_metric(
            name="Detections", unit=MetricUnit.Count, value=analysed, default_dimensions=dimensions
        ):
            pass
    return answer
