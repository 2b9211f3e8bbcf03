"""The line model: what one manifest line is, what was found in it, and how it is written back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from customlabels.manifest.codes import Code, Level
from customlabels.manifest.json_line import parse_stripped

IMAGE_LEVEL_LABELS = "IMAGE_LEVEL_LABELS"
OBJECT_LOCALIZATION = "OBJECT_LOCALIZATION"
NOT_DETERMINED = "NOT_DETERMINED"

CLASSIFICATION_TYPE = "groundtruth/image-classification"
DETECTION_TYPE = "groundtruth/object-detection"
USE_CASE_OF_TYPE = {CLASSIFICATION_TYPE: IMAGE_LEVEL_LABELS, DETECTION_TYPE: OBJECT_LOCALIZATION}

SOURCE_REF = "source-ref"
METADATA_SUFFIX = "-metadata"
ERRORS = "errors"
WARNINGS = "warnings"
SERVICE_ERRORS = "cl-errors"  # the guide's examples also show the service writing errors under this key
# Every key an earlier validation wrote, at any depth: re-validation starts clean.
RESULT_KEYS = frozenset({ERRORS, WARNINGS, SERVICE_ERRORS})
# Keys the service itself adds to validation manifests; they are never label attributes.
RESERVED_KEYS = frozenset({SOURCE_REF, ERRORS, WARNINGS, SERVICE_ERRORS, "cl-metadata"})


class Status(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    IGNORED = "ignored"


class Where(StrEnum):
    """Where an error object is attached in the validation manifest (spec 03 §6.2)."""

    LINE = "line"
    ATTRIBUTE = "attribute"
    METADATA = "metadata"
    ANNOTATION = "annotation"


@dataclass(slots=True, frozen=True)
class Issue:
    code: Code
    where: Where = Where.LINE
    attribute: str | None = None
    index: int | None = None
    detail: str | None = None  # context for people (CLI); the service files carry only code + message

    @property
    def message(self) -> str:
        return self.code.text(self.attribute) if "{}" in self.code.message else self.code.message

    @property
    def is_error(self) -> bool:
        return self.code.level is Level.ERROR

    def entry(self) -> dict[str, str]:
        return {"code": self.code.name, "message": self.message}


@dataclass(slots=True)
class LineResult:
    """Outcome of one line. `labels` maps each use case to the label names its valid attributes carry."""

    line_number: int
    status: Status
    text: str
    obj: dict | None = None  # None when the line is not JSON, or was found clean without building it
    issues: list[Issue] = field(default_factory=list)
    source_ref: str | None = None
    labels: dict[str, set[str]] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(issue.code.name for issue in self.issues)

    @property
    def has_error(self) -> bool:
        return any(issue.is_error for issue in self.issues)

    @property
    def use_cases(self) -> frozenset[str]:
        return frozenset(self.labels) if self.status is Status.VALID else frozenset()

    @property
    def needs_image(self) -> bool:
        return self.status is Status.VALID

    def add(self, issue: Issue, status: Status | None = None) -> None:
        self.issues.append(issue)
        if status is not None:
            self.status = status
            if status is not Status.VALID:
                self.labels = {}

    def validation_line(self) -> str:
        """The line as written to *_with_validation.json: errors and warnings attached where they belong."""
        if not self.issues and not _has_stale_results(self.text):
            return self.text
        obj = self.obj if self.obj is not None else parse_stripped(self.text)
        if obj is None:
            return json.dumps({ERRORS: [issue.entry() for issue in self.issues]}, ensure_ascii=False)
        out = _without_results(obj)
        for issue in self.issues:
            _attach(out, issue)
        return json.dumps(out, ensure_ascii=False)


def _has_stale_results(text: str) -> bool:
    return 'errors"' in text or 'warnings"' in text


def _clean(value: object) -> object:
    return {key: item for key, item in value.items() if key not in RESULT_KEYS} if isinstance(value, dict) \
        else value


def _without_results(obj: dict) -> dict:
    """A copy of the line without the results an earlier validation attached, exactly where the service
    attaches them (the line, a label attribute, its metadata, a box): re-validation starts clean, and a
    key named `errors` deeper in the data (in a class-map, say) stays, so re-validating gives the same."""
    out = {}
    for key, value in obj.items():
        if key in RESULT_KEYS:
            continue
        value = _clean(value)
        if isinstance(value, dict) and isinstance(value.get("annotations"), list):
            value["annotations"] = [_clean(box) for box in value["annotations"]]
        out[key] = value
    return out


def _container(out: dict, issue: Issue) -> dict:
    if issue.where is Where.ATTRIBUTE and isinstance(out.get(issue.attribute), dict):
        return out[issue.attribute]
    if issue.where is Where.METADATA and isinstance(out.get(f"{issue.attribute}{METADATA_SUFFIX}"), dict):
        return out[f"{issue.attribute}{METADATA_SUFFIX}"]
    if issue.where is Where.ANNOTATION:
        return out[issue.attribute]["annotations"][issue.index]
    return out


def _attach(out: dict, issue: Issue) -> None:
    key = ERRORS if issue.is_error else WARNINGS
    _container(out, issue).setdefault(key, []).append(issue.entry())


def usable_entry(validated: dict, use_case: str) -> dict:
    """What the service trains on from one validated line: attributes of `use_case` without errors,
    boxes without errors (with their `objects` entries), and no error/warning keys."""
    entry: dict = {}
    for key, value in validated.items():
        if (key in RESERVED_KEYS and key != SOURCE_REF) or key.endswith(METADATA_SUFFIX):
            continue
        meta = validated.get(key + METADATA_SUFFIX)
        if key == SOURCE_REF or not isinstance(meta, dict):
            if key == SOURCE_REF:
                entry[key] = value
            continue
        if USE_CASE_OF_TYPE.get(meta.get("type")) != use_case or ERRORS in meta:
            continue
        if isinstance(value, dict):
            if ERRORS in value or WARNINGS in value:
                continue
            value, meta = _usable_boxes(value, meta)
        entry[key] = value
        entry[key + METADATA_SUFFIX] = {k: v for k, v in meta.items() if k not in (ERRORS, WARNINGS)}
    return entry


def _usable_boxes(attribute: dict, meta: dict) -> tuple[dict, dict]:
    annotations = attribute.get("annotations") or []
    keep = [i for i, box in enumerate(annotations) if ERRORS not in box]
    objects = meta.get("objects") or []
    attribute = {**attribute, "annotations": [annotations[i] for i in keep]}
    meta = {**meta, "objects": [objects[i] for i in keep if i < len(objects)]}
    return attribute, meta
