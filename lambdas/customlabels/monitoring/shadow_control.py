"""Starting, stopping and finishing a shadow test: the challenger model is started and stopped here, by
the pipeline, and its inference-unit hours are counted from the start request to the stop request
(a model is billed while it runs, spec 05 §3; the pipeline cannot see the service's own clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3

from customlabels.monitoring import shadow
from customlabels.monitoring.shadow import ACTIVE, SHADOW, STOPPED, ShadowTest
from customlabels.monitoring.shadow_settings import ShadowSettings
from customlabels.rekognition.projects import find_project_arn
from customlabels.rekognition.versions import (
    RUNNING_OR_STARTING,
    TRAINING_DONE,
    describe_version,
    start_model,
    stop_model,
)
from customlabels.training.registry import Registry, to_dynamodb

STARTABLE = {TRAINING_DONE, "STOPPED", "RUNNING", "STARTING"}


class ShadowError(ValueError):
    """A request the shadow control refuses: the message says what is wrong and what to do."""


@dataclass(frozen=True)
class ShadowControl:
    project: str
    registry: Registry
    results_table: Any
    rekognition: Any
    min_inference_units: int
    max_inference_units: int

    def start(
        self, version: str, sample: float, hours: float | None, images: int | None, now: datetime
    ) -> dict:
        _check_request(sample, hours, images)
        current = shadow.read(self.registry.table, self.project)
        if current and current["status"] == ACTIVE:
            raise ShadowError(
                f"a shadow test of {current['versionName']} is running: `customlabels shadow stop` it first"
            )
        champion = self.registry.champion(self.project) or {}
        if champion.get("versionName") == version:
            raise ShadowError(f"{version} is the champion: a shadow test compares another version with it")
        description = self._description(version)
        status = start_model(
            self.rekognition, description, self.min_inference_units, self.max_inference_units
        )
        item = {
            "project": self.project,
            "sk": SHADOW,
            "status": ACTIVE,
            "versionName": version,
            "versionArn": description["ProjectVersionArn"],
            "championVersionName": champion.get("versionName"),
            "sample": sample,
            "startedAt": now.isoformat(),
            "inferenceUnits": self.min_inference_units,
            "modelStatusAtStart": status,
            # A version already running serves someone else (a console user, a previous test): the
            # test's end leaves it running.
            "startedByTest": description["Status"] not in RUNNING_OR_STARTING,
            **({"maxImages": images} if images is not None else {}),
            **({"endsAt": (now + timedelta(hours=hours)).isoformat()} if hours is not None else {}),
        }
        self.registry.table.put_item(Item=to_dynamodb(item))
        return item

    def stop(self, now: datetime, reason: str = "stopped by request") -> dict:
        current = shadow.read(self.registry.table, self.project)
        if not current or current["status"] != ACTIVE:
            raise ShadowError("no shadow test is running: `customlabels shadow start VERSION` starts one")
        test = ShadowTest.of(current)
        if test is None:  # for the type checker: current is an item
            raise ShadowError("no shadow test is running")
        champion = self.registry.champion(self.project) or {}
        description = self._description(test.version_name)
        # A challenger promoted during its test now serves users: it is not this test's to stop.
        keep = champion.get("versionName") == test.version_name or not current.get("startedByTest", True)
        model_status = description["Status"] if keep else stop_model(self.rekognition, description)
        hours = (now - datetime.fromisoformat(test.started_at)).total_seconds() / 3600
        compared, agreed = shadow.counts(self.results_table, self.project, test)
        fields = {
            "status": STOPPED,
            "stoppedAt": now.isoformat(),
            "stopReason": reason,
            "modelStatusAtStop": model_status,
            "compared": compared,
            "agreementRate": round(agreed / compared, 4) if compared else None,
            "inferenceUnitHours": round(hours * int(current["inferenceUnits"]), 4),
        }
        self.registry.table.put_item(Item=to_dynamodb({**current, **fields}))
        return {**current, **fields}

    def finish_if_done(self, now: datetime) -> dict | None:
        """The scheduled end: stop a test that has its images or whose time is up."""
        test = ShadowTest.of(shadow.read(self.registry.table, self.project))
        if not test or test.status != ACTIVE:
            return None
        count, _ = shadow.counts(self.results_table, self.project, test)
        if not test.is_done(count, now):
            return None
        return self.stop(now, reason=f"finished: {count} images compared")

    def _description(self, version: str) -> dict:
        project_arn = find_project_arn(self.rekognition, self.project)
        description = describe_version(self.rekognition, project_arn, version) if project_arn else None
        if not description:
            raise ShadowError(
                f"project {self.project} has no model version {version}: see `customlabels status`"
            )
        if description["Status"] not in STARTABLE:
            raise ShadowError(
                f"{version} is {description['Status']}: a shadow test needs a trained model "
                f"({', '.join(sorted(STARTABLE))})"
            )
        return description


def _check_request(sample: float, hours: float | None, images: int | None) -> None:
    if not 0 < sample <= 1:
        raise ShadowError(
            f"sample {sample} is not a fraction: use more than 0 and at most 1 (1.0: every upload)"
        )
    if hours is not None and images is not None:
        raise ShadowError("give --hours or --images, not both")
    if hours is not None and hours <= 0:
        raise ShadowError(f"--hours {hours} must be more than 0")
    if images is not None and images < 1:
        raise ShadowError(f"--images {images} must be 1 or more")


def control_for(settings: ShadowSettings) -> ShadowControl:
    dynamodb = boto3.resource("dynamodb")
    return ShadowControl(
        project=settings.project_name,
        registry=Registry(settings.registry_table_name, dynamodb),
        results_table=dynamodb.Table(settings.results_table_name),
        rekognition=boto3.client("rekognition"),
        min_inference_units=settings.min_inference_units,
        max_inference_units=settings.max_inference_units,
    )


def handle(control: ShadowControl, event: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """{"action": "start", "version", "sample", "hours"|"images"} or {"action": "stop"} from `customlabels
    shadow`; a scheduled event (EventBridge) stops a test that has its images or its time."""
    action = event.get("action")
    if action == "start":
        return control.start(
            str(event.get("version", "")),
            float(event.get("sample", 1.0)),
            event.get("hours"),
            event.get("images"),
            now,
        )
    if action == "stop":
        return control.stop(now)
    if event.get("source") == "aws.events":
        return control.finish_if_done(now)
    raise ShadowError(f"unknown request {event!r}: send action start (with version) or stop")
