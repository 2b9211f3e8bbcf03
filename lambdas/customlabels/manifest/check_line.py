"""Validate one manifest line: priority rules first (spec 03 §2.1), then the rest, then the image.

`validate_line` never raises: any text ends as a LineResult that is valid, invalid or ignored.
"""

from __future__ import annotations

from customlabels.manifest import codes, limits, rules
from customlabels.manifest.images import ImageProbe
from customlabels.manifest.json_line import parse_stripped
from customlabels.manifest.key_hints import metadata_hint, source_ref_hint
from customlabels.manifest.line import (
    CLASSIFICATION_TYPE,
    DETECTION_TYPE,
    IMAGE_LEVEL_LABELS,
    METADATA_SUFFIX,
    OBJECT_LOCALIZATION,
    RESERVED_KEYS,
    SOURCE_REF,
    Issue,
    LineResult,
    Status,
    Where,
)

SUPPORTED_TYPES = (CLASSIFICATION_TYPE, DETECTION_TYPE)
VALID, INVALID, IGNORED = Status.VALID, Status.INVALID, Status.IGNORED

try:  # the fast path needs msgspec, which the Lambda asset may lack; the full path decides alone then
    from customlabels.manifest.common_shapes import clean_line_labels as _clean_line_labels
except ImportError:  # pragma: no cover - exercised by the verdict tests, which turn it off
    _clean_line_labels = None


def _invalid_json(line_number: int, text: str, detail: str) -> LineResult:
    issue = Issue(codes.INVALID_JSON_LINE, detail=detail)
    return LineResult(line_number, INVALID, text, None, [issue])


def validate_line(text: str, line_number: int = 1) -> LineResult:
    """Validate one line of a manifest (structure only; see `apply_image` for the image check)."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        return _invalid_json(line_number, text, "the line is blank")
    if len(text) > limits.MAX_LINE_CHARS:
        return _invalid_json(line_number, "", "the line is longer than 100,000 characters")
    if _clean_line_labels is not None:
        clean = _clean_line_labels(text)
        if clean is not None:
            return LineResult(line_number, VALID, text, None, [], clean[0], clean[1])
    obj = parse_stripped(text)
    if obj is None:
        return _invalid_json(line_number, text, "the line is not one JSON object")
    result = LineResult(line_number, VALID, text, obj)
    if rules.missing_source_ref(obj):
        result.add(Issue(codes.MISSING_SOURCE_REF, detail=source_ref_hint(obj)), INVALID)
        return result
    ref = obj[SOURCE_REF]
    if rules.invalid_source_ref_format(ref):
        result.add(Issue(codes.INVALID_SOURCE_REF_FORMAT, detail=f"source-ref is {str(ref)[:80]!r}"), INVALID)
        return result
    result.source_ref = ref
    if rules.unannotated_record(obj):
        result.add(Issue(codes.UNANNOTATED_RECORD), IGNORED)
        return result
    pairs = [key for key in obj if key not in RESERVED_KEYS and key + METADATA_SUFFIX in obj]
    orphans = rules.orphan_metadata(obj)
    if rules.no_label_attributes(pairs, orphans):
        detail = f"no label attribute for {', '.join(orphans)}" if orphans else "no KEY / KEY-metadata pair"
        result.add(Issue(codes.NO_LABEL_ATTRIBUTES, detail=detail), INVALID)
        return result
    supported, unsupported = _priority_checks(result, obj, pairs)
    if result.issues:
        result.status, result.labels = INVALID, {}
        return result
    _content_checks(result, supported, unsupported)
    return result


def _priority_checks(result: LineResult, obj: dict, pairs: list[str]) -> tuple[list, list[str]]:
    supported, unsupported = [], []
    for key in pairs:
        value, meta = obj[key], obj[key + METADATA_SUFFIX]
        kind = meta.get("type") if type(meta) is dict else None
        if type(kind) is not str:
            where = Where.METADATA if type(meta) is dict else Where.LINE
            result.issues.append(Issue(codes.INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT, where, key,
                                       detail=f"{key}-metadata has no type"))
        elif kind not in SUPPORTED_TYPES:
            unsupported.append(key)
        elif _pair_passes_priority(result, key, kind, value, meta):
            supported.append((key, kind, value, meta))
    return supported, unsupported


def _pair_passes_priority(result: LineResult, key: str, kind: str, value: object, meta: dict) -> bool:
    issues = result.issues
    attribute_bad = rules.invalid_label_attribute_format(kind, value)
    if attribute_bad:
        where = Where.ATTRIBUTE if type(value) is dict else Where.LINE
        issues.append(Issue(codes.INVALID_LABEL_ATTRIBUTE_FORMAT, where, key))
    if rules.invalid_label_attribute_metadata_format(kind, meta):
        issues.append(Issue(codes.INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT, Where.METADATA, key,
                            detail=metadata_hint(meta)))
        return False
    if attribute_bad:
        return False
    if kind == CLASSIFICATION_TYPE:
        return True
    annotations = value.get("annotations", [])
    if rules.missing_bounding_box_confidence(annotations, meta["objects"]):
        issues.append(Issue(codes.MISSING_BOUNDING_BOX_CONFIDENCE, Where.METADATA, key))
        return False
    if rules.missing_class_map_id(annotations, meta["class-map"]):
        issues.append(Issue(codes.MISSING_CLASS_MAP_ID, Where.METADATA, key))
        return False
    return True


def _content_checks(result: LineResult, supported: list, unsupported: list[str]) -> None:
    add = result.issues.append
    for key in unsupported:
        add(Issue(codes.UNSUPPORTED_USE_CASE_TYPE, Where.METADATA, key))
    image_labels: set[str] = set()
    object_labels: set[str] = set()
    failed, empty, boxes = len(unsupported), 0, 0
    wrong_dimensions = without_valid_boxes = False
    for key, kind, value, meta in supported:
        if kind == CLASSIFICATION_TYPE:
            name = meta["class-name"]
            if rules.invalid_label_name_length((name,)):
                add(Issue(codes.INVALID_LABEL_NAME_LENGTH, Where.METADATA, key))
                failed += 1
            else:
                image_labels.add(name)
            continue
        class_map = meta["class-map"]
        names_ok = not rules.invalid_label_name_length(class_map.values())
        if not names_ok:
            add(Issue(codes.INVALID_LABEL_NAME_LENGTH, Where.METADATA, key))
        if rules.no_attribute_annotations(value):
            add(Issue(codes.NO_ATTRIBUTE_ANNOTATIONS, Where.ATTRIBUTE, key))
            empty += names_ok
            failed += not names_ok
            continue
        annotations = value["annotations"]
        boxes += len(annotations)
        frame = value["image_size"][0]
        width, height = frame["width"], frame["height"]
        wrong_dimensions = wrong_dimensions or rules.invalid_image_dimension(width, height)
        names = _valid_box_labels(result, key, annotations, class_map, width, height)
        if rules.no_valid_annotations(len(annotations), len(names)):
            without_valid_boxes = True
        if names and names_ok:
            object_labels.update(names.values())
        else:
            failed += 1
    _line_outcome(result, image_labels, object_labels, failed, empty, boxes, wrong_dimensions,
                  without_valid_boxes)


def _valid_box_labels(result: LineResult, key: str, annotations: list, class_map: dict,
                      width: float, height: float) -> dict[int, str]:
    """Attach box errors; return {index: label} for the usable boxes."""
    scale = rules.training_scale(width, height)
    usable = {}
    for index, box in enumerate(annotations):
        if rules.invalid_bounding_box(box, width, height):
            result.issues.append(Issue(codes.INVALID_BOUNDING_BOX, Where.ANNOTATION, key, index))
        elif rules.bounding_box_too_small(box, scale):
            result.issues.append(Issue(codes.BOUNDING_BOX_TOO_SMALL, Where.ANNOTATION, key, index))
        else:
            usable[index] = class_map[str(box["class_id"])]
    return usable


def _line_outcome(result: LineResult, image_labels: set[str], object_labels: set[str], failed: int,
                  empty: int, boxes: int, wrong_dimensions: bool, without_valid_boxes: bool) -> None:
    line_errors = []
    if rules.too_many_bounding_boxes(boxes):
        line_errors.append(Issue(codes.TOO_MANY_BOUNDING_BOXES, detail=f"{boxes} boxes (maximum 50)"))
    if wrong_dimensions:
        line_errors.append(Issue(codes.INVALID_IMAGE_DIMENSION, detail="image_size is outside 64-4096 px"))
    if without_valid_boxes:
        result.issues.append(Issue(codes.NO_VALID_ANNOTATIONS))
    if line_errors:
        result.issues.extend(line_errors)
        result.status = INVALID
        return
    if image_labels:
        result.labels[IMAGE_LEVEL_LABELS] = image_labels
    if object_labels:
        result.labels[OBJECT_LOCALIZATION] = object_labels
    if result.labels:
        return
    if empty and not failed:
        result.add(Issue(codes.NO_ANNOTATIONS), IGNORED)
    else:
        if not without_valid_boxes:
            result.issues.append(Issue(codes.NO_VALID_LABEL_ATTRIBUTES))
        result.status = INVALID


def apply_image(result: LineResult, probe: ImageProbe) -> LineResult:
    """Fold the image check into a structurally valid line (ERROR_INVALID_IMAGE / _DIMENSION)."""
    problem = rules.invalid_image(probe)
    if problem is None or not result.needs_image:
        return result
    localization = OBJECT_LOCALIZATION in result.labels
    code = codes.INVALID_IMAGE_DIMENSION if localization and rules.only_dimensions_invalid(probe) \
        else codes.INVALID_IMAGE
    result.add(Issue(code, detail=f"{result.source_ref}: {problem}"), INVALID)
    return result
