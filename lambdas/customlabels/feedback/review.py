"""The review set: inference results a person should look at, one S3 object per image version.

An image (or a video frame) needs review when its result holds no label, or when its top confidence
is below ``reviewBelowConfidence``. Each goes to ``review/<project>/open/<id>.json`` in the inference
bucket, where ``<id>`` is a hash of the image version (and frame): concurrent writers never share an
object, and writing the same image version again replaces its one entry (idempotent). The CLI lists
the prefix and aggregates (``customlabels feedback``); the review state (exported, imported) is kept
beside it, never in these objects, so a re-delivered result cannot reset it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from customlabels.storage_layout import open_review_prefix

LOW_CONFIDENCE, NO_LABEL = "LOW_CONFIDENCE", "NO_LABEL"


def entry_id(image: str, version: str, frame_ms: int | None = None) -> str:
    """Stable id of one image version (``image`` is its s3:// URI), or of one frame of a video version."""
    identity = f"{image}\n{version}" + ("" if frame_ms is None else f"\n{frame_ms}")
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def review_reason(labels: list[dict[str, Any]], below: float) -> str | None:
    """Why these labels need a person (``confidence`` 0-100, as DetectCustomLabels gives), or None."""
    if not labels:
        return NO_LABEL
    if max(label["confidence"] for label in labels) < below:
        return LOW_CONFIDENCE
    return None


@dataclass(frozen=True)
class ReviewSet:
    """Where review entries of one project go; ``below`` is reviewBelowConfidence (0-100)."""

    s3: Any
    bucket: str
    project: str
    below: float

    def collect(self, document: dict[str, Any], result_uri: str) -> int:
        """Write an entry for the result ``document`` (or each of its frames) that needs review;
        returns how many were written."""
        written = 0
        for entry in self.entries(document, result_uri):
            key = f"{open_review_prefix(self.project)}{entry['id']}.json"
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=json.dumps(entry, ensure_ascii=False).encode(),
                ContentType="application/json",
            )
            written += 1
        return written

    def entries(self, document: dict[str, Any], result_uri: str) -> Iterator[dict[str, Any]]:
        image = document["image"]
        uri, version = f"s3://{image['bucket']}/{image['key']}", image["version"]
        common = {
            "image": uri,
            "version": version,
            "versionId": image.get("versionId"),
            "modelVersionArn": document["modelVersionArn"],
            "resultUri": result_uri,
            "analysedAt": document["finishedAt"],
            "width": image.get("width"),
            "height": image.get("height"),
        }
        frames = document.get("timeline")
        if frames is None:
            reason = review_reason(document["labels"], self.below)
            if reason:
                yield {"id": entry_id(uri, version), **common, "reason": reason, "labels": document["labels"]}
            return
        for frame in frames:
            reason = review_reason(frame["labels"], self.below)
            if reason:
                frame_ms = frame["timestampMs"]
                yield {
                    "id": entry_id(uri, version, frame_ms),
                    **common,
                    "frameMs": frame_ms,
                    "reason": reason,
                    "labels": frame["labels"],
                }


def review_set(s3: Any, bucket: str, project: str, below: float | None) -> ReviewSet | None:
    """The project's review set, or None when reviewBelowConfidence is off."""
    return None if below is None else ReviewSet(s3, bucket, project, below)
