"""People's answers, read from a filled CSV or a Ground Truth job's output manifest, as manifest lines.

Nothing is dropped silently: every line that cannot become a training line is returned as a problem
with its place in the file and the reason (the importer adds the review-set and manifest-engine checks).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from customlabels.manifest.builders import image_level_line
from customlabels.manifest.line import METADATA_SUFFIX, SOURCE_REF
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.converters.groundtruth import (
    DEFAULT_ACCEPT,
    TRAINABLE_TYPES,
    VERIFICATION_TYPE,
    checked_labels,
)
from customlabels_cli.feedback.export_files import CSV_HEADER
from customlabels_cli.support.errors import CliError

FEEDBACK_JOB = "customlabels-feedback"


@dataclass
class Answers:
    lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (where, manifest line)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, why it is not imported)


def read_text(source: str, s3: Any) -> str:
    if is_s3_uri(source):
        uri = parse_s3_uri(source)
        return s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read().decode("utf-8-sig")
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{source} does not exist", "give the filled CSV or the job's output") from None


def csv_answers(text: str, attribute: str) -> Answers:
    """Rows ``image, predicted label, confidence, correct label``: the correct label becomes the image's
    label under ``attribute``."""
    answers = Answers()
    rows = list(csv.reader(io.StringIO(text)))
    if rows and [cell.strip().lower() for cell in rows[0]][:1] == [CSV_HEADER[0]]:
        rows = [(number, row) for number, row in enumerate(rows[1:], 2)]
    else:
        rows = list(enumerate(rows, 1))
    for number, row in rows:
        where = f"row {number}"
        if not any(cell.strip() for cell in row):
            continue
        image = row[0].strip() if row else ""
        correct = row[3].strip() if len(row) > 3 else ""
        if not image:
            answers.problems.append((where, "no image reference in the first column"))
        elif not correct:
            answers.problems.append((where, f"empty correct label for {image}"))
        else:
            try:
                line = image_level_line(image, [correct], attribute_names=[attribute], job_name=FEEDBACK_JOB)
            except ValueError as error:
                answers.problems.append((where, f"{image}: {error}"))
                continue
            answers.lines.append((where, line))
    return answers


def _labelled_by_person(obj: dict[str, Any]) -> dict[str, Any] | None:
    """A classification or bounding-box job's output line: the attributes a person labelled."""
    keys = [
        key for key in obj
        if isinstance(meta := obj.get(key + METADATA_SUFFIX), dict)
        and meta.get("type") in TRAINABLE_TYPES and meta.get("human-annotated") == "yes"
    ]
    if not keys:
        return None
    line = {SOURCE_REF: obj[SOURCE_REF]}
    for key in keys:
        line[key], line[key + METADATA_SUFFIX] = obj[key], obj[key + METADATA_SUFFIX]
    return line


def groundtruth_answers(
    lines: list[tuple[int, dict[str, Any]]], accept: tuple[str, ...] = DEFAULT_ACCEPT
) -> Answers:
    """A label verification / adjustment output (only confirmed or adjusted labels are kept: the
    ``convert groundtruth-verification`` rules) or an image classification / bounding-box job's output."""
    accepted = frozenset(answer.casefold() for answer in accept)
    answers = Answers()
    for number, obj in lines:
        where = f"line {number}"
        if not isinstance(obj.get(SOURCE_REF), str) or not obj[SOURCE_REF]:
            answers.problems.append((where, "no source-ref"))
            continue
        checked = any(
            isinstance(meta, dict) and (meta.get("type") == VERIFICATION_TYPE or "adjustment-status" in meta)
            for key, meta in obj.items() if key.endswith(METADATA_SUFFIX)
        )
        line, reason = checked_labels(obj, accepted) if checked else (_labelled_by_person(obj), "")
        if line is None:
            answers.problems.append((where, reason or "no label a person gave, confirmed or adjusted"))
        else:
            answers.lines.append((where, line))
    return answers
