"""The fast path: recognise a clean line of the common shapes with one typed msgspec decode.

`clean_line_labels` answers only for lines the full rule path (check_line.validate_line) would find valid
with no issue at all: image-level and bounding-box attributes, every rule satisfied. For anything else it
answers None and the caller runs the full path, so every verdict, code and validation line stays the
full path's. msgspec checks types and simple bounds in C while it decodes; Python checks the rest.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, MsgspecError, Struct, UnsetType, field
from msgspec.json import Decoder

from customlabels.manifest import limits, rules
from customlabels.manifest.line import (
    CLASSIFICATION_TYPE,
    DETECTION_TYPE,
    IMAGE_LEVEL_LABELS,
    METADATA_SUFFIX,
    OBJECT_LOCALIZATION,
    RESERVED_KEYS,
    SOURCE_REF,
)

Number = int | float
# Constraints a value must meet to be clean; one that fails sends the line to the full path.
LabelName = Annotated[str, Meta(min_length=1, max_length=limits.MAX_LABEL_NAME_CHARS)]
_SIDE = Meta(ge=limits.MIN_IMAGE_SIDE, le=limits.MAX_IMAGE_SIDE)
ImageSide = Annotated[int, _SIDE] | Annotated[float, _SIDE]
_UNIT = Meta(ge=0, le=1)
Confidence = Annotated[int, _UNIT] | Annotated[float, _UNIT]


class Frame(Struct):
    width: ImageSide
    height: ImageSide
    depth: Number


_NON_NEGATIVE = Meta(ge=0)
Offset = Annotated[int, _NON_NEGATIVE] | Annotated[float, _NON_NEGATIVE]


class BoundingBox(Struct):
    class_id: int
    top: Offset
    left: Offset
    width: Number
    height: Number


class ObjectConfidence(Struct):
    confidence: Number


class AttributeOrMetadata(Struct):
    """Any object value of a line. A msgspec union holds one object type, so this one type carries the
    fields of a bounding-box attribute and of both metadata kinds; unknown fields are ignored, as the
    rules ignore them, and absent ones stay UNSET."""

    type: str | UnsetType = UNSET
    human_annotated: Literal["yes", "no"] | UnsetType = field(default=UNSET, name="human-annotated")
    creation_date: str | UnsetType = field(default=UNSET, name="creation-date")
    job_name: str = field(default="", name="job-name")
    class_name: LabelName | UnsetType = field(default=UNSET, name="class-name")
    confidence: Confidence | UnsetType = UNSET
    objects: list[ObjectConfidence] | UnsetType = UNSET
    class_map: dict[str, LabelName] | UnsetType = field(default=UNSET, name="class-map")
    image_size: list[Frame] | UnsetType = UNSET
    annotations: list[BoundingBox] = []


_decode = Decoder(dict[str, str | int | AttributeOrMetadata]).decode
_MIN_SIDE = limits.MIN_BOX_SIDE_AFTER_RESIZE
_RESIZE_SIDE = limits.TRAINING_RESIZE_SIDE
_RESERVED_METADATA = frozenset({key for key in RESERVED_KEYS if key.endswith(METADATA_SUFFIX)}
                               | {SOURCE_REF + METADATA_SUFFIX})
_RESERVED_ATTRIBUTES = RESERVED_KEYS - _RESERVED_METADATA - {SOURCE_REF}
_ABSENT = object()


def clean_line_labels(text: str) -> tuple[str, dict[str, set[str]]] | None:
    """(source-ref, label names per use case) of a stripped line that is valid with no issue; else None."""
    if 'errors"' in text or 'warnings"' in text:
        return None  # results of an earlier validation: the full path strips them
    try:
        obj = _decode(text)
    except (MsgspecError, RecursionError, UnicodeEncodeError):
        return None
    ref = obj.get(SOURCE_REF)
    if type(ref) is not str or rules.invalid_source_ref_format(ref):
        return None
    image_labels: set[str] = set()
    object_labels: list[str] = []
    for key, meta in obj.items():
        if key[-9:] != METADATA_SUFFIX:
            if key in _RESERVED_ATTRIBUTES:  # only an escaped name ("err\\u006frs") gets past the scan above
                return None
            continue
        value = obj.get(key[:-9], _ABSENT)
        # An orphan, a reserved key, or a metadata key that is itself a label attribute: the full path.
        if (value is _ABSENT or type(meta) is not AttributeOrMetadata or key in _RESERVED_METADATA
                or key + METADATA_SUFFIX in obj or meta.human_annotated is UNSET
                or meta.creation_date is UNSET):
            return None
        kind = meta.type
        if kind == CLASSIFICATION_TYPE:
            name = meta.class_name
            if type(value) is not int or name is UNSET or meta.confidence is UNSET:
                return None
            image_labels.add(name)
        elif kind != DETECTION_TYPE or not _add_box_labels(value, meta, object_labels):
            return None
    if object_labels:
        if len(object_labels) > limits.MAX_BOUNDING_BOXES:
            return None
        if image_labels:
            return ref, {IMAGE_LEVEL_LABELS: image_labels, OBJECT_LOCALIZATION: set(object_labels)}
        return ref, {OBJECT_LOCALIZATION: set(object_labels)}
    return (ref, {IMAGE_LEVEL_LABELS: image_labels}) if image_labels else None


def _add_box_labels(value: object, meta: AttributeOrMetadata, labels: list[str]) -> bool:
    """Append the label of every box of a bounding-box attribute whose every box is usable; else False."""
    if type(value) is not AttributeOrMetadata or value.image_size is UNSET or len(value.image_size) != 1:
        return False
    annotations, objects, class_map = value.annotations, meta.objects, meta.class_map
    if not annotations or objects is UNSET or class_map is UNSET or len(objects) != len(annotations):
        return False
    frame = value.image_size[0]
    width, height = frame.width, frame.height
    scale = 1.0 if width <= _RESIZE_SIDE and height <= _RESIZE_SIDE else rules.training_scale(width, height)
    for box in annotations:
        name = class_map.get(str(box.class_id))
        left, top, box_width, box_height = box.left, box.top, box.width, box.height
        if (name is None or box_width * scale <= _MIN_SIDE
                or box_height * scale <= _MIN_SIDE or left + box_width > width or top + box_height > height):
            return False
        labels.append(name)
    return True
