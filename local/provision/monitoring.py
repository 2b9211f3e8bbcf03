"""CloudWatch alarms, created on the endpoint: a state change runs their actions (local.access.deliveries)."""

from __future__ import annotations

from typing import Any

from local.provision.base import Context, Created

_ALARM_PROPERTIES = {
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
}


def alarm(ctx: Context, props: dict[str, Any]) -> Created:
    ctx.check_properties(props, _ALARM_PROPERTIES)
    name = props.get("AlarmName") or ctx.physical_name(255)
    request = {key: value for key, value in props.items() if key != "AlarmName"}
    if "Threshold" in request:
        request["Threshold"] = float(request["Threshold"])
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in request:
            request[key] = int(request[key])
    ctx.clients("cloudwatch").put_metric_alarm(AlarmName=name, **request)
    return Created(name, {"Arn": ctx.arn("cloudwatch", f"alarm:{name}")})
