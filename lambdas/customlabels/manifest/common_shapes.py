"""The fast path: recognise a clean line of the common shapes with one typed msgspec decode.

`clean_line_labels` answers only for lines the full rule path (check_line.validate_line) would find valid
with no issue at all: image-level and bounding-box attributes, every rule satisfied. For anything else it
answers None and the caller runs the full path, so every verdict, code and validation line stays the
full path's. msgspec checks the types in C while it decodes; Python only checks values and pairing.
"""

from __future__ import annotations

from msgspec import UNSET, MsgspecError, Struct, UnsetType, field
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


class Frame(Struct):
    width: Number
    height: Number
    depth: Number


class BoundingBox(Struct):
    class_id: int
    top: Number
    left: Number
    width: Number
    height: Number


class ObjectConfidence(Struct):
    confidence: Number


class AttributeOrMetadata(Struct):
    """Any object value of a line. A msgspec union holds one object type, so this one type carries the
    fields of a bounding-box attribute and of both metadata kinds; unknown fields are ignored, as the
    rules ignore them, and absent ones stay UNSET."""

    type: str | UnsetType = UNSET
    human_annotated: str | UnsetType = field(default=UNSET, name="human-annotated")
    creation_date: str | UnsetType = field(default=UNSET, name="creation-date")
    job_name: str = field(default="", name="job-name")
    class_name: str | UnsetType = field(default=UNSET, name="class-name")
    confidence: Number | UnsetType = UNSET
    objects: list[ObjectConfidence] | UnsetType = UNSET
    class_map: dict[str, str] | UnsetType = field(default=UNSET, name="class-map")
    image_size: list[Frame] | UnsetType = UNSET
    annotations: list[BoundingBox] = []


_decode = Decoder(dict[str, str | int | AttributeOrMetadata]).decode
_MAX_NAME = limits.MAX_LABEL_NAME_CHARS
_MIN_SIDE = limits.MIN_BOX_SIDE_AFTER_RESIZE
_YES_NO = rules.YES_NO
_MIN_IMAGE_SIDE, _MAX_IMAGE_SIDE = limits.MIN_IMAGE_SIDE, limits.MAX_IMAGE_SIDE
_SOURCE_REF_META = SOURCE_REF + METADATA_SUFFIX
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
        if not key.endswith(METADATA_SUFFIX):
            if key in RESERVED_KEYS and key != SOURCE_REF:
                return None
            continue
        value = obj.get(key[:-9], _ABSENT)
        # An orphan, a reserved key, or a metadata key that is itself a label attribute: the full path.
        if (value is _ABSENT or key in RESERVED_KEYS or key == _SOURCE_REF_META
                or key + METADATA_SUFFIX in obj):
            return None
        if (type(meta) is not AttributeOrMetadata or meta.human_annotated not in _YES_NO
                or meta.creation_date is UNSET):
            return None
        kind = meta.type
        if kind == CLASSIFICATION_TYPE:
            name, confidence = meta.class_name, meta.confidence
            if (type(value) is not int or name is UNSET or not name or len(name) > _MAX_NAME
                    or confidence is UNSET or not 0 <= confidence <= 1):
                return None
            image_labels.add(name)
        elif kind != DETECTION_TYPE or not _add_box_labels(value, meta, object_labels):
            return None
    if len(object_labels) > limits.MAX_BOUNDING_BOXES:
        return None
    if object_labels:
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
    for name in class_map.values():
        if not name or len(name) > _MAX_NAME:
            return False
    frame = value.image_size[0]
    width, height = frame.width, frame.height
    if not (_MIN_IMAGE_SIDE <= width <= _MAX_IMAGE_SIDE and _MIN_IMAGE_SIDE <= height <= _MAX_IMAGE_SIDE):
        return False
    scale = rules.training_scale(width, height)
    for box in annotations:
        name = class_map.get(str(box.class_id))
        left, top, box_width, box_height = box.left, box.top, box.width, box.height
        if (name is None or left < 0 or top < 0 or box_width * scale <= _MIN_SIDE
                or box_height * scale <= _MIN_SIDE or left + box_width > width or top + box_height > height):
            return False
        labels.append(name)
    return True
