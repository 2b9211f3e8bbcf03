"""The results gallery, read from the results table (never by listing `results/`): one page is one
to MAX_QUERIES Queries of an index, newest first, so its cost does not grow with the results stored.
`ByTime` (status, finishedAt) serves the newest results; `ByModelVersion` (modelVersionArn,
finishedAt) those of one version. A label or confidence filter is a FilterExpression: DynamoDB reads
`Limit` items and then filters, so a page reads at most MAX_QUERIES x PAGE_SIZE items and offers the
next page from where it stopped."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from customlabels.inference.results import BY_MODEL_VERSION_INDEX, BY_TIME_INDEX, FAILED, SUCCEEDED
from customlabels.naming import version_name_of

PAGE_SIZE = 60
# What a tile and the next page's key need; the rest of an item stays unread.
TILE_ATTRIBUTES = ("image", "version", "finishedAt", "status", "modelVersionArn", "kind", "tile")
MAX_QUERIES = 5
ERRORS_SHOWN = 20


class BadFilter(ValueError):
    """A filter the page cannot apply; the message says what to enter instead."""


@dataclass(frozen=True)
class ResultFilter:
    version_arn: str | None = None
    label: str | None = None
    min_confidence: float | None = None  # percent, as DetectCustomLabels' Confidence
    until: date | None = None  # results finished on or before this day (UTC)
    cursor: str | None = None

    @classmethod
    def parse(cls, args: dict[str, str], version_arn: str | None) -> ResultFilter:
        confidence, until = args.get("min_confidence", "").strip(), args.get("until", "").strip()
        try:
            min_confidence = float(confidence) if confidence else None
        except ValueError:
            min_confidence = -1.0
        if min_confidence is not None and not 0 <= min_confidence <= 100:
            raise BadFilter(f"minimum confidence {confidence!r}: enter a percentage from 0 to 100")
        try:
            day = date.fromisoformat(until) if until else None
        except ValueError:
            raise BadFilter(f"date {until!r}: enter a day as YYYY-MM-DD") from None
        label = args.get("label", "").strip() or None
        return cls(version_arn, label, min_confidence, day, args.get("cursor"))


@dataclass(frozen=True)
class ResultPage:
    tiles: list[dict[str, Any]]
    next_cursor: str | None
    items_read: int


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError):
        raise BadFilter("the page link is damaged: start again from the newest results") from None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise BadFilter("the page link is damaged: start again from the newest results")
    return key


def _request(wanted: ResultFilter) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if wanted.version_arn:
        index, names["#p"], values[":p"] = BY_MODEL_VERSION_INDEX, "modelVersionArn", wanted.version_arn
    else:
        index, names["#p"], values[":p"] = BY_TIME_INDEX, "status", SUCCEEDED
    condition = "#p = :p"
    if wanted.until:
        names["#t"], values[":until"] = "finishedAt", f"{wanted.until.isoformat()}T23:59:59.999Z"
        condition += " AND #t <= :until"
    filters = []
    if wanted.label:
        names["#labels"], values[":label"] = "labels", wanted.label
        filters.append("contains(#labels, :label)")
    if wanted.min_confidence is not None:
        values[":min"] = Decimal(str(wanted.min_confidence))
        if wanted.label:
            names["#conf"], names["#label"] = "confidences", wanted.label
            filters.append("#conf.#label >= :min")
        else:
            filters.append("maxConfidence >= :min")
    request: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": PAGE_SIZE,
        "ProjectionExpression": ", ".join(f"#a{i}" for i in range(len(TILE_ATTRIBUTES))),
    }
    names.update({f"#a{i}": name for i, name in enumerate(TILE_ATTRIBUTES)})  # some are reserved words
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    return request


def _index_key(item: dict[str, Any], by_version: bool) -> dict[str, Any]:
    """The ExclusiveStartKey that resumes right after `item` (table keys plus the index's keys)."""
    key = {name: item[name] for name in ("image", "version", "finishedAt")}
    key.update({"modelVersionArn": item["modelVersionArn"]} if by_version else {"status": item["status"]})
    return key


def query_results(table: Any, wanted: ResultFilter) -> ResultPage:
    request = _request(wanted)
    start = decode_cursor(wanted.cursor) if wanted.cursor else None
    items: list[dict[str, Any]] = []
    read = 0
    for _ in range(MAX_QUERIES):
        if start:
            request["ExclusiveStartKey"] = start
        response = table.query(**request)
        read += response.get("ScannedCount", 0)
        items += response["Items"]
        start = response.get("LastEvaluatedKey")
        if not start or len(items) >= PAGE_SIZE:
            break
    if len(items) > PAGE_SIZE:
        items = items[:PAGE_SIZE]
        start = _index_key(items[-1], bool(wanted.version_arn))
    return ResultPage([tile(item) for item in items], encode_cursor(start) if start else None, read)


def latest_errors(table: Any) -> list[dict[str, Any]]:
    return table.query(
        IndexName=BY_TIME_INDEX,
        KeyConditionExpression="#p = :p",
        ExpressionAttributeNames={"#p": "status"},
        ExpressionAttributeValues={":p": FAILED},
        ScanIndexForward=False,
        Limit=ERRORS_SHOWN,
    )["Items"]


def tile(item: dict[str, Any]) -> dict[str, Any]:
    """One gallery tile from a table item: labels by confidence, boxes (percent of the image) or, for
    a video, its segments as shares of its duration."""
    drawn = json.loads(item.get("tile") or "{}")
    shown: dict[str, Any] = {
        "image": item["image"],
        "name": item["image"].split("/", 3)[-1],
        "file": PurePosixPath(item["image"]).name,
        "kind": item.get("kind", "image"),
        "finished": item["finishedAt"],
        "version": version_name_of(item["modelVersionArn"]) if item.get("modelVersionArn") else "",
        "labels": [(name, confidence) for name, confidence in drawn.get("labels", [])],
    }
    shown["boxes"] = [
        {**box, **{k: box[k] * 100 for k in ("left", "top", "width", "height")}}
        for box in drawn.get("boxes", [])
    ]
    duration = float(drawn.get("durationMs") or 0) or 1.0
    shown["duration_s"] = duration / 1000
    shown["segments"] = [
        {
            "label": s["label"],
            "start": s["startMs"] / duration * 100,
            "width": max(s["endMs"] - s["startMs"], duration / 100) / duration * 100,
            "text": f"{s['label']} {s['startMs'] / 1000:.1f}-{s['endMs'] / 1000:.1f} s",
        }
        for s in drawn.get("segments", [])
    ]
    return shown
