"""Ground Truth job outputs Custom Labels cannot read as they are, to manifest lines it can.

- Multi-label image classification (spec 02 §8.2): the job attribute holds a list of class ids and its
  metadata a `class-map` and a `confidence-map`; each chosen label becomes its own image-level label
  attribute `<job><i>` with its own `<job><i>-metadata`.
- Label verification and adjustment: keep only the labels a person confirmed (a verification answer
  among `accept`) or reviewed in an adjustment job (`adjustment-status` adjusted or unadjusted); the
  line keeps the labels that were checked and drops the verification attributes themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from customlabels.manifest.line import CLASSIFICATION_TYPE, DETECTION_TYPE, METADATA_SUFFIX, SOURCE_REF
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.converters.conversion import Conversion, ConversionError

MULTILABEL_TYPE = "groundtruth/image-classification-multilabel"
VERIFICATION_TYPE = "groundtruth/label-verification"
TRAINABLE_TYPES = (CLASSIFICATION_TYPE, DETECTION_TYPE)
REVIEWED = ("adjusted", "unadjusted")  # adjustment-status: a person looked at the label either way
DEFAULT_ACCEPT = ("good",)  # the SageMaker documentation's verification categories are good / bad
COPIED_METADATA = ("job-name", "human-annotated", "creation-date")
UNCHANGED = "give the job's output.manifest unchanged, one JSON object per line"

Line = tuple[int, dict]


def read_job_output(source: str, s3: Any = None) -> list[Line]:
    """(line number, object) of every non-blank line of a Ground Truth output manifest (local or s3://)."""
    try:
        text = _read_text(source, s3)
    except FileNotFoundError:
        raise ConversionError(f"{source} does not exist", "give the job's output manifest (s3://BUCKET/"
                              "OUTPUT/JOB/manifests/output/output.manifest or a local copy)") from None
    except UnicodeDecodeError as error:
        raise ConversionError(f"{source} is not UTF-8 text: {error}",
                              "give the job's output.manifest, one JSON object per line") from None
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConversionError(f"line {number} of {source} is not JSON: {error}", UNCHANGED) from None
        if not isinstance(obj, dict):
            raise ConversionError(f"line {number} of {source} is not a JSON object", UNCHANGED)
        lines.append((number, obj))
    if not lines:
        raise ConversionError(f"{source} holds no JSON lines", "give the job's output.manifest")
    return lines


def _read_text(source: str, s3: Any) -> str:
    if not is_s3_uri(source):
        return Path(source).read_text(encoding="utf-8-sig")
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    uri = parse_s3_uri(source)
    return s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read().decode("utf-8-sig")


def _attributes(obj: dict) -> Iterator[tuple[str, dict]]:
    """(label attribute, its metadata) for every pair on the line."""
    for key in obj:
        if key == SOURCE_REF or key.endswith(METADATA_SUFFIX):
            continue
        meta = obj.get(key + METADATA_SUFFIX)
        if isinstance(meta, dict):
            yield key, meta


def _source_ref(obj: dict) -> str | None:
    ref = obj.get(SOURCE_REF)
    return ref if isinstance(ref, str) and ref else None


# --- multi-label classification ---------------------------------------------------------------------
def multilabel_line(obj: dict, job: str, meta: dict) -> dict:
    """One Custom Labels line from a multi-label job's line: `<job><i>: i` per chosen class (spec 02 §8.2).
    Raises ValueError saying what is missing."""
    class_ids = obj[job]
    class_map, confidences = meta.get("class-map"), meta.get("confidence-map") or {}
    if not isinstance(class_ids, list) or not isinstance(class_map, dict):
        raise ValueError(f"{job} is not a list of class ids with a class-map in {job}-metadata")
    line: dict = {SOURCE_REF: obj[SOURCE_REF]}
    for index, class_id in enumerate(class_ids):
        name = class_map.get(str(class_id))
        if not isinstance(name, str) or not name:
            raise ValueError(f"class id {class_id} of {job} is not in its class-map")
        confidence = confidences.get(str(class_id), 1)
        line[f"{job}{index}"] = index
        line[f"{job}{index}{METADATA_SUFFIX}"] = {
            "class-name": name, "confidence": confidence, "type": CLASSIFICATION_TYPE,
            **{key: meta[key] for key in COPIED_METADATA if key in meta}}
    return line


def convert_multilabel(lines: Iterable[Line]) -> Conversion:
    conversion = Conversion()
    for number, obj in lines:
        jobs = [(key, meta) for key, meta in _attributes(obj) if meta.get("type") == MULTILABEL_TYPE]
        if _source_ref(obj) is None:
            conversion.skipped.append((f"line {number}", "no source-ref"))
        elif not jobs:
            conversion.skipped.append((f"line {number}", f"no attribute of type {MULTILABEL_TYPE}"))
        elif len(jobs) > 1:
            conversion.skipped.append((f"line {number}", "more than one multi-label job attribute: "
                                       + ", ".join(key for key, _ in jobs)))
        elif not obj[jobs[0][0]]:
            conversion.skipped.append((f"line {number}", "the worker chose no label for this image"))
        else:
            try:
                conversion.lines.append(multilabel_line(obj, *jobs[0]))
            except ValueError as error:
                conversion.skipped.append((f"line {number}", str(error)))
    if not conversion.lines:
        raise ConversionError(f"no line has a {MULTILABEL_TYPE} label to convert",
                              "give the output.manifest of a multi-label image classification job")
    return conversion


# --- label verification and adjustment --------------------------------------------------------------
def _by_person(meta: dict) -> bool:
    return meta.get("human-annotated") == "yes"


def checked_labels(obj: dict, accept: frozenset[str]) -> tuple[dict | None, str]:
    """(the line with only the labels a person confirmed or fixed, '') or (None, why it is dropped)."""
    pairs = list(_attributes(obj))
    verifications = [(key, meta) for key, meta in pairs if meta.get("type") == VERIFICATION_TYPE]
    trainable = [(key, meta) for key, meta in pairs if meta.get("type") in TRAINABLE_TYPES]
    adjusted = [(key, meta) for key, meta in trainable if "adjustment-status" in meta]
    if not verifications and not adjusted:
        return None, "no verification answer and no adjusted label: nobody checked it"
    for key, meta in verifications:
        answer = str(meta.get("class-name", ""))
        if not _by_person(meta):
            return None, f"{key} was not answered by a person"
        if answer.casefold() not in accept:
            return None, f"a person answered {answer!r} in {key}"
    # An adjustment replaces the labels it was made from; a confirmed label counts whoever drew it.
    kept = [(key, meta) for key, meta in adjusted
            if _by_person(meta) and meta["adjustment-status"] in REVIEWED] if adjusted else trainable
    if not kept:
        return None, "no image-level or bounding-box label a person labelled, confirmed or adjusted"
    line: dict = {SOURCE_REF: obj[SOURCE_REF]}
    for key, meta in kept:
        line[key] = obj[key]
        line[key + METADATA_SUFFIX] = meta
    return line, ""


def convert_verification(lines: Iterable[Line], accept: Iterable[str] = DEFAULT_ACCEPT) -> Conversion:
    accepted = frozenset(answer.casefold() for answer in accept)
    conversion = Conversion()
    for number, obj in lines:
        if _source_ref(obj) is None:
            conversion.skipped.append((f"line {number}", "no source-ref"))
            continue
        line, reason = checked_labels(obj, accepted)
        if line is None:
            conversion.skipped.append((f"line {number}", reason))
        else:
            conversion.lines.append(line)
    if not conversion.lines:
        raise ConversionError(
            "no line holds a label a person confirmed or adjusted",
            f"give the output.manifest of a label verification or adjustment job; if your verification "
            f"categories are not {', '.join(sorted(accepted))}, name the one meaning 'correct' with --accept")
    return conversion
