"""Where the two sides of a drift check come from: the champion's evaluation manifest snapshot (the
baseline) and the results table's rows of the champion since the window began."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from customlabels.evaluation_snapshot import TestImage, parse_snapshot
from customlabels.inference.results import BY_MODEL_VERSION_INDEX
from customlabels.monitoring.drift import ImageLabels
from customlabels.rekognition.projects import find_project_arn
from customlabels.rekognition.versions import describe_version, snapshot_manifest_uri
from customlabels.s3uri import parse_s3_uri


class NoBaseline(Exception):
    """The champion has no readable test-set snapshot: drift cannot be judged."""


def snapshot_uri(
    project: str, champion: dict[str, Any], version_item: dict[str, Any] | None, rekognition: Any
) -> str:
    """The champion's test snapshot: recorded on its registry item by the training pipeline, else from
    DescribeProjectVersions (TestingDataResult, spec 04 §9) for a champion set another way."""
    recorded = (version_item or {}).get("snapshotUri")
    if recorded:
        return str(recorded)
    project_arn = find_project_arn(rekognition, project)
    description = describe_version(rekognition, project_arn, champion["versionName"]) if project_arn else None
    found = snapshot_manifest_uri(description) if description else None
    if not found:
        raise NoBaseline(
            f"the champion {champion['versionName']} has no evaluation manifest snapshot "
            "(TestingDataResult); drift needs the test set's predictions: train the version with a test "
            "dataset"
        )
    return found


def baseline_images(s3: Any, uri: str, min_confidence: float | None) -> list[ImageLabels]:
    """Each test image's labels as DetectCustomLabels would return them (percent)."""
    location = parse_s3_uri(uri)
    text = s3.get_object(Bucket=location.bucket, Key=location.key)["Body"].read().decode()
    return [_returned(image, min_confidence) for image in parse_snapshot(text)]


def _returned(image: TestImage, min_confidence: float | None) -> dict[str, float]:
    labels: dict[str, float] = {}
    for prediction in image.predictions:
        percent = prediction.confidence * 100
        kept = prediction.above if min_confidence is None else percent >= min_confidence
        if kept:
            labels[prediction.label] = max(labels.get(prediction.label, 0.0), percent)
    return labels


def iso_z(moment: datetime) -> str:
    """As the results table writes finishedAt (inference/results.now_iso), so strings compare as times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def window_images(table: Any, version_arn: str, since: datetime) -> Iterator[ImageLabels]:
    """Per analysed image (not video) of this model version since ``since``, its labels' best confidence."""
    request: dict[str, Any] = {
        "IndexName": BY_MODEL_VERSION_INDEX,
        "KeyConditionExpression": Key("modelVersionArn").eq(version_arn)
        & Key("finishedAt").gte(iso_z(since)),
        "FilterExpression": Attr("kind").eq("image"),
        "ProjectionExpression": "confidences",
    }
    while True:
        page = table.query(**request)
        for item in page.get("Items", []):
            yield {label: float(value) for label, value in (item.get("confidences") or {}).items()}
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
