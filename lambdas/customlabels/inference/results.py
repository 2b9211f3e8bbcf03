"""Result documents (S3 JSON) and result-table items for one image version.

``uploads/<key>`` -> ``results/<key>.json`` (labels) or ``results/<key>.error.json`` (why not).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from customlabels.inference.events import ImageVersion

RESULTS_PREFIX = "results/"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def result_key(image: ImageVersion, *, failed: bool) -> str:
    return f"{RESULTS_PREFIX}{image.relative_key}{'.error.json' if failed else '.json'}"


def image_section(image: ImageVersion, dimensions: tuple[int, int] | None, image_format: str | None):
    section: dict[str, Any] = {
        "bucket": image.bucket,
        "key": image.key,
        "version": image.version,
        "versionId": image.version_id,
        "size": image.size,
    }
    if image_format:
        section["format"] = image_format
    if dimensions:
        section["width"], section["height"] = dimensions
    return section


def label_document(label: dict[str, Any], dimensions: tuple[int, int]) -> dict[str, Any]:
    """One DetectCustomLabels label; a detection label also gets its box in pixels (spec 05 §7)."""
    document: dict[str, Any] = {"name": label["Name"], "confidence": label["Confidence"]}
    geometry = label.get("Geometry")
    if geometry:
        box = geometry["BoundingBox"]
        width, height = dimensions
        document["geometry"] = {
            "boundingBox": box,
            "polygon": geometry.get("Polygon", []),
            "pixels": {
                "left": round(box["Left"] * width),
                "top": round(box["Top"] * height),
                "width": round(box["Width"] * width),
                "height": round(box["Height"] * height),
            },
        }
    return document


def success_document(
    image: ImageVersion,
    *,
    labels: list[dict[str, Any]],
    model_version_arn: str,
    min_confidence: float | None,
    dimensions: tuple[int, int],
    image_format: str,
    started_at: str,
) -> dict[str, Any]:
    return {
        "status": SUCCEEDED,
        "image": image_section(image, dimensions, image_format),
        "modelVersionArn": model_version_arn,
        "minConfidence": min_confidence,
        "labels": [label_document(label, dimensions) for label in labels],
        "uploadedAt": image.uploaded_at,
        "startedAt": started_at,
        "finishedAt": now_iso(),
    }


def failure_document(
    image: ImageVersion, *, code: str, reason: str, fix: str, started_at: str
) -> dict[str, Any]:
    return {
        "status": FAILED,
        "image": image_section(image, None, None),
        "error": {"code": code, "reason": reason, "fix": fix},
        "uploadedAt": image.uploaded_at,
        "startedAt": started_at,
        "finishedAt": now_iso(),
    }


def table_item(image: ImageVersion, document: dict[str, Any], result_uri: str) -> dict[str, Any]:
    """The results-table row: key ``image`` = ``s3://bucket/key``, sort key ``version``; the full
    document stays in S3, the row carries what a query filters on."""
    item: dict[str, Any] = {
        "image": f"s3://{image.bucket}/{image.key}",
        "version": image.version,
        "status": document["status"],
        "resultUri": result_uri,
        "finishedAt": document["finishedAt"],
    }
    if document["status"] == SUCCEEDED:
        item["modelVersionArn"] = document["modelVersionArn"]
        item["labels"] = sorted({label["name"] for label in document["labels"]})
        item["labelCount"] = len(document["labels"])
    else:
        item["errorCode"] = document["error"]["code"]
        item["reason"] = document["error"]["reason"]
    return item
