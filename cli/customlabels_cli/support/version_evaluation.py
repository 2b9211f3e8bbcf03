"""Everything known about one model version's evaluation, read the way the service exposes it
(spec 04 §6-9): the registry item (gate, thresholds, manifests), the summary file, and the test
evaluation manifest snapshot that DescribeProjectVersions points at."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from customlabels.rekognition.versions import DELETED, describe_version, snapshot_manifest_uri
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.evaluation_images import LabelScores, TestImage, label_scores, parse_snapshot
from customlabels_cli.support.evaluation_report import Evaluation, Lineage, read_evaluation
from customlabels_cli.support.stack import Stack


@dataclass(frozen=True)
class VersionEvaluation:
    evaluation: Evaluation
    lineage: Lineage | None
    images: list[TestImage]
    scores: list[LabelScores]
    deleted: bool = False  # the model version is gone; what is shown are its stored files

    @property
    def is_detection(self) -> bool:
        return any(image.size for image in self.images)


def pick_version(stack: Stack, wanted: str | None) -> dict:
    """The registry item of `wanted`, else the champion's, else the newest evaluated version's."""
    registry, project = stack.registry(), stack.project
    if wanted:
        item = registry.get_version(project, wanted)
        if item is None:
            raise CliError(
                f"version {wanted} is not in the registry of project {project}",
                "pick a version listed by `customlabels status`",
            )
        return item
    champion = registry.champion(project)
    if champion:
        return registry.get_version(project, champion["versionName"]) or {}
    evaluated = [item for item in registry.list_versions(project) if item.get("summaryUri")]
    if not evaluated:
        raise CliError(
            f"project {project} has no evaluated model version yet",
            "train one with `customlabels train ... --wait`",
        )
    return max(evaluated, key=lambda item: item.get("createdAt", ""))


def read_text(location: str, s3: Any) -> str:
    try:
        if is_s3_uri(location):
            uri = parse_s3_uri(location)
            return s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read().decode()
        return Path(location).read_text()
    except (OSError, UnicodeDecodeError, ClientError) as error:
        raise CliError(
            f"cannot read {location}: {error}",
            "check the location and that your credentials may read it",
        ) from None


def read_summary(location: str, s3: Any) -> dict:
    try:
        return json.loads(read_text(location, s3))
    except json.JSONDecodeError as error:
        raise CliError(
            f"cannot read the evaluation summary {location}: not JSON ({error})",
            "pass the summary file's path or s3:// URI (EvaluationResult.Summary)",
        ) from None


def parse_evaluation(summary: dict, version: str) -> Evaluation:
    try:
        return read_evaluation(summary, version)
    except (KeyError, TypeError, ValueError) as error:
        raise CliError(
            f"{version}'s summary is not an evaluation summary file: missing {error}",
            "pass a summary file Custom Labels wrote (spec 04 §8)",
        ) from None


def live_description(stack: Stack, item: dict) -> dict | None:
    """DescribeProjectVersions of the item's version; None when it (or its project) was deleted, also by
    `customlabels teardown` (the registry says DELETED)."""
    if not item.get("projectArn") or item.get("status") == DELETED:
        return None
    try:
        return describe_version(stack.client("rekognition"), item["projectArn"], item["versionName"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def load(stack: Stack, item: dict) -> VersionEvaluation:
    """A registry item's evaluation with its test images (none when no snapshot can be read). A deleted
    version's files are read from where the registry recorded them, when they still exist."""
    version = item.get("versionName", "?")
    if not item.get("summaryUri"):
        raise CliError(
            f"version {version} has no evaluation (status {item.get('status')})",
            "wait for its training to finish, or pick another",
        )
    description = live_description(stack, item)
    deleted = description is None and bool(item.get("projectArn"))
    s3 = stack.client("s3")
    try:
        evaluation = parse_evaluation(read_summary(item["summaryUri"], s3), version)
    except CliError as error:
        if deleted:
            raise CliError(
                f"model version {version} was deleted, and its evaluation files with it ({error.message})",
                "the registry keeps its F1 and gate result: see the models page",
            ) from None
        raise
    location = snapshot_manifest_uri(description) if description else item.get("snapshotUri")
    images = _snapshot_images(location, s3, deleted)
    labels = [m.label for m in evaluation.labels]
    scores = label_scores(images, labels)
    return VersionEvaluation(evaluation, Lineage.from_registry(item), images, scores, deleted)


def _snapshot_images(location: str | None, s3: Any, deleted: bool) -> list[TestImage]:
    if not location:
        return []
    try:
        return parse_snapshot(read_text(location, s3))
    except CliError:
        if deleted:  # gone with the model: the page shows the summary alone
            return []
        raise
