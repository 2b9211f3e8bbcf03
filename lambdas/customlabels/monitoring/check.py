"""One drift check of the project's champion: baseline from its test snapshot, window from the results
table, compared. Used by the scheduled function and by `customlabels monitor`, with their own clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3

from customlabels.monitoring import latest_report
from customlabels.monitoring.drift import Profile, Thresholds, compare
from customlabels.monitoring.settings import DriftSettings
from customlabels.monitoring.sources import (
    NoBaseline,
    baseline_images,
    iso_z,
    snapshot_uri,
    window_images,
)
from customlabels.training.registry import Registry


@dataclass(frozen=True)
class Clients:
    s3: Any
    rekognition: Any
    registry: Registry
    results_table: Any  # boto3 DynamoDB Table


def check_drift(
    clients: Clients,
    project: str,
    *,
    window_hours: float,
    min_confidence: float | None,
    thresholds: Thresholds,
    now: datetime,
) -> dict[str, Any]:
    """The drift report as JSON; ``status`` NO_CHAMPION or NO_BASELINE (with ``reason``) when there is
    nothing to judge, else CHECKED with the comparison."""
    since = now - timedelta(hours=window_hours)
    head: dict[str, Any] = {"project": project, "windowStart": iso_z(since), "windowEnd": iso_z(now)}
    champion = clients.registry.champion(project)
    if not champion:
        return {**head, "status": "NO_CHAMPION", "reason": f"project {project} has no champion model yet"}
    head["champion"] = champion["versionName"]
    try:
        uri = snapshot_uri(
            project,
            champion,
            clients.registry.get_version(project, champion["versionName"]),
            clients.rekognition,
        )
    except NoBaseline as missing:
        return {**head, "status": "NO_BASELINE", "reason": str(missing)}
    baseline = Profile.of(baseline_images(clients.s3, uri, min_confidence))
    window = Profile.of(window_images(clients.results_table, champion["versionArn"], since))
    report = compare(baseline, window, thresholds)
    thresholds_json = {
        "maxDivergence": thresholds.max_divergence,
        "maxNoLabelIncrease": thresholds.max_no_label_increase,
        "maxLowConfidenceIncrease": thresholds.max_low_confidence_increase,
        "minImages": thresholds.min_images,
    }
    return {
        **head,
        "status": "CHECKED",
        "baselineUri": uri,
        "thresholds": thresholds_json,
        **report.as_json(),
    }


def scheduled_check(settings: DriftSettings, now: datetime) -> dict[str, Any]:
    """The drift check the schedule (and `customlabels monitor`) runs, with the function's own clients;
    its report is kept as the project's latest (what the console shows)."""
    dynamodb = boto3.resource("dynamodb")
    clients = Clients(
        s3=boto3.client("s3"),
        rekognition=boto3.client("rekognition"),
        registry=Registry(settings.registry_table_name, dynamodb),
        results_table=dynamodb.Table(settings.results_table_name),
    )
    report = check_drift(
        clients,
        settings.project_name,
        window_hours=settings.drift_window_hours,
        min_confidence=settings.min_confidence,
        thresholds=settings.thresholds,
        now=now,
    )
    latest_report.save(clients.registry.table, report)
    return report
