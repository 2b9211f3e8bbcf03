"""One predicate per JSON-line rule (spec 03 §5). Each returns True when its code applies.

The predicates take plain parsed JSON values and trust only what earlier, higher-priority rules
established (e.g. box rules run only on attributes that passed the format rule).
"""

from __future__ import annotations

import re

from customlabels.manifest import limits
from customlabels.manifest.images import ImageProbe
from customlabels.manifest.line import CLASSIFICATION_TYPE, RESERVED_KEYS, SOURCE_REF

YES_NO = ("yes", "no")


def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is int or kind is float


def _is_positive(value: object) -> bool:
    return _is_number(value) and value > 0


# --- priority rules: the first of these to fire ends the line's validation ------------------------
def missing_source_ref(obj: dict) -> bool:
    return SOURCE_REF not in obj


def valid_bucket_name(name: str) -> bool:
    """S3's rules for a bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending
    with a letter or digit, no two adjacent dots, not formatted as an IP address."""
    return (_BUCKET_NAME.fullmatch(name) is not None and ".." not in name
            and _IP_ADDRESS.fullmatch(name) is None)


def invalid_source_ref_format(ref: object) -> bool:
    """`s3://` + a valid bucket name + `/` + a non-empty key of any UTF-8 (S3 allows every character,
    zero-width and private-use ones included) of at most 1,024 bytes."""
    global _checked_prefix
    if type(ref) is not str:
        return True
    prefix = _checked_prefix
    if not ref.startswith(prefix):  # most lines of a manifest share their bucket
        slash = ref.find("/", 5)
        if not ref.startswith("s3://") or slash < 0 or not valid_bucket_name(ref[5:slash]):
            return True
        prefix = _checked_prefix = ref[:slash + 1]
    key_chars = len(ref) - len(prefix)
    if key_chars == 0:
        return True
    if key_chars * 4 <= limits.MAX_KEY_BYTES:  # even all 4-byte characters fit
        return not ref.isascii() and not _utf8(ref)
    encoded = _utf8(ref[len(prefix):])
    return encoded is None or len(encoded) > limits.MAX_KEY_BYTES


_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_checked_prefix = "s3://\0"  # "s3://<bucket>/" of the last valid source-ref (no bucket name holds \0)


def _utf8(text: str) -> bytes | None:
    """The UTF-8 bytes of `text`; None when it holds a lone surrogate (a `\\ud800` escape), which no
    UTF-8 key can hold."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def duplicate_source_ref(ref: str, seen: set[str]) -> bool:
    if ref in seen:
        return True
    seen.add(ref)
    return False


def orphan_metadata(obj: dict) -> list[str]:
    """`X-metadata` keys whose label attribute `X` is missing."""
    return [key for key in obj
            if key.endswith("-metadata") and key not in RESERVED_KEYS and key[:-9] not in obj]


def no_label_attributes(pairs: list[str], orphans: list[str]) -> bool:
    return not pairs or bool(orphans)


def invalid_label_attribute_format(kind: str, value: object) -> bool:
    if kind == CLASSIFICATION_TYPE:
        return type(value) is not int
    return _invalid_bounding_box_attribute(value)


def _invalid_bounding_box_attribute(value: object) -> bool:
    if type(value) is not dict:
        return True
    size = value.get("image_size")
    if type(size) is not list or len(size) != 1 or type(size[0]) is not dict:
        return True
    frame = size[0]
    if not (_is_positive(frame.get("width")) and _is_positive(frame.get("height"))
            and _is_number(frame.get("depth"))):
        return True
    annotations = value.get("annotations", [])
    if type(annotations) is not list:
        return True
    for box in annotations:
        if type(box) is not dict or type(box.get("class_id")) is not int:
            return True
        for kind in (type(box.get("top")), type(box.get("left")), type(box.get("width")),
                     type(box.get("height"))):
            if kind is not int and kind is not float:
                return True
    return False


def invalid_label_attribute_metadata_format(kind: str, meta: dict) -> bool:
    if meta.get("human-annotated") not in YES_NO or type(meta.get("creation-date")) is not str:
        return True
    if type(meta.get("job-name", "")) is not str:
        return True
    if kind == CLASSIFICATION_TYPE:
        name, confidence = meta.get("class-name"), meta.get("confidence")
        return not (type(name) is str and name and _is_number(confidence) and 0 <= confidence <= 1)
    class_map = meta.get("class-map")
    if type(meta.get("objects")) is not list or type(class_map) is not dict:
        return True
    for name in class_map.values():  # noqa: SIM110 - hot path: a plain loop is faster than any(genexpr)
        if type(name) is not str or not name:
            return True
    return False


def missing_bounding_box_confidence(annotations: list, objects: list) -> bool:
    if len(objects) != len(annotations):
        return True
    for item in objects:
        if type(item) is not dict:
            return True
        kind = type(item.get("confidence"))
        if kind is not int and kind is not float:
            return True
    return False


def missing_class_map_id(annotations: list, class_map: dict) -> bool:
    for box in annotations:  # noqa: SIM110 - hot path: a plain loop is faster than any(genexpr)
        if str(box["class_id"]) not in class_map:
            return True
    return False


# --- rules reported only when no priority rule fired -----------------------------------------------
def invalid_label_name_length(names) -> bool:
    return max(map(len, names), default=0) > limits.MAX_LABEL_NAME_CHARS


def invalid_bounding_box(box: dict, frame_width: float, frame_height: float) -> bool:
    left, top, width, height = box["left"], box["top"], box["width"], box["height"]
    if left < 0 or top < 0 or width < 0 or height < 0:
        return True
    return left + width > frame_width or top + height > frame_height


def training_scale(frame_width: float, frame_height: float) -> float:
    """Images with a side over 1280 px are scaled (aspect kept) so the long side is 1280 px."""
    longest = max(frame_width, frame_height)
    return limits.TRAINING_RESIZE_SIDE / longest if longest > limits.TRAINING_RESIZE_SIDE else 1.0


def bounding_box_too_small(box: dict, scale: float) -> bool:
    minimum = limits.MIN_BOX_SIDE_AFTER_RESIZE
    return box["width"] * scale <= minimum or box["height"] * scale <= minimum


def too_many_bounding_boxes(count: int) -> bool:
    return count > limits.MAX_BOUNDING_BOXES


def no_valid_annotations(total: int, valid: int) -> bool:
    return total > 0 and valid == 0


def invalid_image_dimension(width: float, height: float) -> bool:
    return not (limits.MIN_IMAGE_SIDE <= width <= limits.MAX_IMAGE_SIDE
                and limits.MIN_IMAGE_SIDE <= height <= limits.MAX_IMAGE_SIDE)


def no_attribute_annotations(attribute: dict) -> bool:
    return not attribute.get("annotations")


def unannotated_record(obj: dict) -> bool:
    return RESERVED_KEYS.issuperset(obj)


def invalid_image(probe: ImageProbe) -> str | None:
    """Why the object at source-ref is not a usable image (None when it is): the ERROR_INVALID_IMAGE rule."""
    if probe.error:
        return probe.error
    if probe.format not in ("PNG", "JPEG"):
        return f"the object is {probe.format or 'not an image'}, not PNG or JPEG"
    if probe.size > limits.MAX_IMAGE_BYTES:
        return f"the file is {probe.size:,} bytes, over the 15 MB maximum"
    if probe.width is None or probe.height is None:
        return "the image header has no dimensions"
    if invalid_image_dimension(probe.width, probe.height):
        return f"the image is {probe.width}x{probe.height} px; each side must be 64-4096 px"
    if max(probe.width, probe.height) / min(probe.width, probe.height) > limits.MAX_ASPECT_RATIO:
        return f"the image is {probe.width}x{probe.height} px, an aspect ratio over 20:1"
    return None


def only_dimensions_invalid(probe: ImageProbe) -> bool:
    """The image is a readable PNG/JPEG within size limits whose sides fall outside 64-4096 px."""
    return (not probe.error and probe.format in ("PNG", "JPEG") and probe.size <= limits.MAX_IMAGE_BYTES
            and probe.width is not None and probe.height is not None
            and invalid_image_dimension(probe.width, probe.height))
