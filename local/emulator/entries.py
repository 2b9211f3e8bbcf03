"""Reading the labels out of manifest JSON lines (spec 02 §6): image-level labels and boxes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from customlabels.evaluation import Box

CLASSIFICATION = "groundtruth/image-classification"
DETECTION = "groundtruth/object-detection"


@dataclass(frozen=True)
class LabeledImage:
    source_ref: str
    labels: frozenset[str]
    boxes: tuple[tuple[str, Box], ...]
    has_errors: bool

    @property
    def is_labeled(self) -> bool:
        return bool(self.labels)


def read_entry(line: str | dict) -> LabeledImage:
    """Labels of one entry. Annotations carrying `errors` (validation manifests) are left out."""
    data = json.loads(line) if isinstance(line, str) else line
    labels: set[str] = set()
    boxes: list[tuple[str, Box]] = []
    has_errors = bool(data.get("errors"))
    for key, metadata in data.items():
        if not key.endswith("-metadata") or not isinstance(metadata, dict):
            continue
        attribute = data.get(key[: -len("-metadata")])
        has_errors = has_errors or bool(metadata.get("errors"))
        if metadata.get("type") == CLASSIFICATION and isinstance(metadata.get("class-name"), str):
            labels.add(metadata["class-name"])
        elif metadata.get("type") == DETECTION and isinstance(attribute, dict):
            has_errors = has_errors or bool(attribute.get("errors"))
            class_map = metadata.get("class-map") or {}
            for annotation in attribute.get("annotations") or []:
                label = class_map.get(str(annotation.get("class_id")))
                if label is None or annotation.get("errors"):
                    has_errors = has_errors or bool(annotation.get("errors"))
                    continue
                labels.add(label)
                boxes.append(
                    (
                        label,
                        Box(
                            float(annotation["left"]),
                            float(annotation["top"]),
                            float(annotation["width"]),
                            float(annotation["height"]),
                        ),
                    )
                )
    return LabeledImage(str(data.get("source-ref", "")), frozenset(labels), tuple(boxes), has_errors)

