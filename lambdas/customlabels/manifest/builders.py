"""Build manifest lines the validator accepts: for converters (folders, CSV, COCO) and tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from customlabels.manifest.line import CLASSIFICATION_TYPE, DETECTION_TYPE, METADATA_SUFFIX, RESERVED_KEYS
from customlabels.s3uri import parse_s3_uri


@dataclass(frozen=True)
class Box:
    label: str
    left: float
    top: float
    width: float
    height: float


def now_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _check_attribute_name(name: str) -> None:
    if not name or name in RESERVED_KEYS or name.endswith(METADATA_SUFFIX):
        raise ValueError(f"{name!r} cannot be a label attribute name: it is empty, reserved "
                         f"({', '.join(sorted(RESERVED_KEYS))}) or ends with -metadata; rename the label")


def image_level_line(source_ref: str, labels: Iterable[str], *, attribute_names: Sequence[str] | None = None,
                     job_name: str = "customlabels-convert", creation_date: str | None = None,
                     human_annotated: str = "yes") -> dict:
    """One image with one or more image-level labels. By default each label's name is its attribute key
    (the guide's CSV convention); pass attribute_names to choose the keys."""
    parse_s3_uri(source_ref)
    labels = list(dict.fromkeys(labels))
    keys = list(attribute_names) if attribute_names is not None else labels
    if len(keys) != len(labels):
        raise ValueError(f"{len(keys)} attribute names for {len(labels)} labels: give one name per label")
    line: dict = {"source-ref": source_ref}
    created = creation_date or now_timestamp()
    for key, label in zip(keys, labels, strict=True):
        _check_attribute_name(key)
        line[key] = 1
        line[key + METADATA_SUFFIX] = {
            "confidence": 1, "job-name": job_name, "class-name": label, "human-annotated": human_annotated,
            "creation-date": created, "type": CLASSIFICATION_TYPE}
    return line


def bounding_box_line(source_ref: str, width: int, height: int, boxes: Iterable[Box], *,
                      attribute: str = "bounding-box", depth: int = 3, job_name: str = "customlabels-convert",
                      creation_date: str | None = None, human_annotated: str = "yes") -> dict:
    """One image with its boxes (possibly none). Class ids are assigned per line in first-seen order."""
    parse_s3_uri(source_ref)
    _check_attribute_name(attribute)
    class_ids: dict[str, int] = {}
    annotations = []
    for box in boxes:
        class_id = class_ids.setdefault(box.label, len(class_ids))
        annotations.append({"class_id": class_id, "top": box.top, "left": box.left,
                            "width": box.width, "height": box.height})
    return {
        "source-ref": source_ref,
        attribute: {"image_size": [{"width": width, "height": height, "depth": depth}],
                    "annotations": annotations},
        attribute + METADATA_SUFFIX: {
            "objects": [{"confidence": 1} for _ in annotations],
            "class-map": {str(class_id): label for label, class_id in class_ids.items()},
            "type": DETECTION_TYPE, "human-annotated": human_annotated,
            "creation-date": creation_date or now_timestamp(), "job-name": job_name},
    }


def to_json_line(line: dict) -> str:
    """One physical manifest line (no newline), UTF-8 text kept as is."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
