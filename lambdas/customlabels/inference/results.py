"""Result documents (S3 JSON) and result-table items for one image version.

``uploads/<key>`` -> ``results/<key>.json`` (labels) or ``results/<key>.error.json`` (why not).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from customlabels.inference.events import ImageVersion
from customlabels.storage_layout import RESULTS_PREFIX

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
# The results table's indexes (infra/inference.py): newest first by status, and by model version.
BY_TIME_INDEX = "ByTime"
BY_MODEL_VERSION_INDEX = "ByModelVersion"
# What a gallery tile draws without reading the document: a bounded share of it (an item stays far
# below DynamoDB's 400 KB item limit, whatever the model returns).
MAX_ITEM_BOXES = 25
MAX_ITEM_SEGMENTS = 50
# An upload's row carries its document (gzip) for the result-document writer, which PUTs it to S3 from
# the table's stream: one AWS call per image fewer on the detect path. A larger document (many boxes)
# is PUT by the detect path itself, so a row stays far below DynamoDB's 400 KB item limit.
# The row's key and the attributes the result-document writer and `customlabels documents` read.
ROW_IMAGE, ROW_VERSION, ROW_RESULT_URI, ROW_FINISHED_AT = "image", "version", "resultUri", "finishedAt"
ROW_DOCUMENT = "document"
# How many times an operator re-sent a row's document (`customlabels documents --resend`): adding to it
# changes the row, so the stream carries the document to the writer again.
ROW_DOCUMENT_RESENDS = "documentResends"
MAX_ROW_DOCUMENT_BYTES = 64 * 1024


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def result_key(image: ImageVersion, *, failed: bool) -> str:
    return f"{RESULTS_PREFIX}{image.relative_key}{'.error.json' if failed else '.json'}"


def document_body(document: dict[str, Any]) -> bytes:
    """The result document's S3 object body."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def packed_document(body: bytes) -> bytes | None:
    """``body`` compressed for the row, or None when it is too large to carry."""
    packed = gzip.compress(body, mtime=0)
    return packed if len(packed) <= MAX_ROW_DOCUMENT_BYTES else None


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
    document stays in S3, the row carries what a query filters on (status, model version, time,
    labels and their best confidence) and what a gallery tile draws (boxes, video segments)."""
    item: dict[str, Any] = {
        "image": f"s3://{image.bucket}/{image.key}",
        "version": image.version,
        "status": document["status"],
        "resultUri": result_uri,
        "finishedAt": document["finishedAt"],
        "kind": "video" if "video" in document else "image",
    }
    if document["status"] == SUCCEEDED:
        item["modelVersionArn"] = document["modelVersionArn"]
        item["labels"] = sorted({label["name"] for label in document["labels"]})
        item["labelCount"] = len(document["labels"])
        item.update(_gallery_fields(document))
    else:
        item["errorCode"] = document["error"]["code"]
        item["reason"] = document["error"]["reason"]
    return item


def _number(value: float) -> Decimal:
    """DynamoDB takes numbers as Decimal; four decimals keep a confidence's percent exact enough."""
    return Decimal(str(round(float(value), 4)))


def _gallery_fields(document: dict[str, Any]) -> dict[str, Any]:
    """`confidences` (label -> best, percent) and `maxConfidence` for filters; `tile`, what a gallery
    tile draws, as one JSON string (it is never filtered on, and one string reads back cheaply)."""
    confidences: dict[str, Decimal] = {}
    for label in document["labels"]:
        best = confidences.get(label["name"], Decimal(0))
        confidences[label["name"]] = max(best, _number(label["confidence"]))
    tile: dict[str, Any] = {"labels": sorted(confidences.items(), key=lambda pair: -pair[1])}
    tile["labels"] = [[name, float(confidence)] for name, confidence in tile["labels"]]
    if "video" in document:
        tile["durationMs"] = int(document["durationMs"])
        tile["segments"] = [
            {"label": s["label"], "startMs": int(s["startMs"]), "endMs": int(s["endMs"])}
            for s in document["segments"][:MAX_ITEM_SEGMENTS]
        ]
    else:
        tile["boxes"] = [_tile_box(label) for label in document["labels"] if _box_of(label)][:MAX_ITEM_BOXES]
    return {
        "confidences": confidences,
        "maxConfidence": max(confidences.values(), default=Decimal(0)),
        "tile": json.dumps(tile, separators=(",", ":")),
    }


def _box_of(label: dict[str, Any]) -> dict[str, float] | None:
    return (label.get("geometry") or {}).get("boundingBox")


def _tile_box(label: dict[str, Any]) -> dict[str, Any]:
    box = _box_of(label) or {}
    return {
        "name": label["name"],
        "confidence": round(label["confidence"], 2),
        **{key.lower(): round(box[key], 4) for key in ("Left", "Top", "Width", "Height")},
    }
