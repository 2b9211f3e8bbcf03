"""The results gallery: the newest result documents under results/ in the inference bucket
(`results/<key>.json` labels, `results/<key>.error.json` why not)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from customlabels.inference.results import RESULTS_PREFIX

ERROR_SUFFIX = ".error.json"


@dataclass(frozen=True)
class Result:
    key: str
    modified: str
    document: dict[str, Any]

    @property
    def failed(self) -> bool:
        return self.key.endswith(ERROR_SUFFIX)

    @property
    def image_uri(self) -> str | None:
        image = self.document.get("image") or {}
        return f"s3://{image['bucket']}/{image['key']}" if image.get("bucket") and image.get("key") else None

    @property
    def boxes(self) -> list[dict]:
        """Each labelled box as percentages of the image (DetectCustomLabels' ratios x 100)."""
        boxes = []
        for label in self.document.get("labels", []):
            box = (label.get("geometry") or {}).get("boundingBox")
            if box:
                boxes.append(
                    {
                        "name": label["name"],
                        **{k.lower(): box[k] * 100 for k in ("Left", "Top", "Width", "Height")},
                    }
                )
        return boxes


def latest_results(s3: Any, bucket: str, limit: int = 60) -> list[Result]:
    objects: list[dict] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=RESULTS_PREFIX):
        objects += [o for o in page.get("Contents", []) if o["Key"].endswith(".json")]
    objects.sort(key=lambda o: o["LastModified"], reverse=True)
    return [
        Result(
            o["Key"],
            o["LastModified"].isoformat(timespec="seconds"),
            json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()),
        )
        for o in objects[:limit]
    ]
