"""The review set as something people answer: a CSV to fill in a spreadsheet, or the input manifest of a
Ground Truth label verification / adjustment job with the model's predictions as the prior labels."""

from __future__ import annotations

import csv
import io
from typing import Any

from customlabels.manifest.builders import Box, bounding_box_line, image_level_line
from customlabels_cli.converters.conversion import manifest_text

CSV_HEADER = ("image", "predicted label", "confidence", "correct label")
PRIOR_ATTRIBUTE = "model-prediction"  # the prior label a verification job shows the worker
PRIOR_BOXES = "model-boxes"  # the prior boxes an adjustment job lets the worker move
PRIOR_JOB = "customlabels-review"


def top_label(entry: dict[str, Any]) -> dict[str, Any] | None:
    return max(entry["labels"], key=lambda label: label["confidence"], default=None)


def csv_text(entries: list[dict[str, Any]]) -> str:
    """One row per image: its top prediction and an empty ``correct label`` for a person to fill."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for entry in entries:
        top = top_label(entry)
        writer.writerow([entry["image"], top["name"] if top else "",
                         f"{top['confidence']:.1f}" if top else "", ""])
    return buffer.getvalue()


def groundtruth_line(entry: dict[str, Any]) -> dict[str, Any]:
    """The job's input line: the image, and the model's labels as the prior (boxes for detection, the top
    label for classification; none when the model found nothing)."""
    boxes = [label for label in entry["labels"] if label.get("geometry")]
    if boxes and entry.get("width") and entry.get("height"):
        pixels = [label["geometry"]["pixels"] for label in boxes]
        line = bounding_box_line(
            entry["image"], entry["width"], entry["height"],
            [Box(label["name"], p["left"], p["top"], p["width"], p["height"]) for label, p in zip(
                boxes, pixels, strict=True)],
            attribute=PRIOR_BOXES, job_name=PRIOR_JOB, human_annotated="no",
        )
        line[f"{PRIOR_BOXES}-metadata"]["objects"] = [
            {"confidence": round(label["confidence"] / 100, 4)} for label in boxes
        ]
        return line
    top = top_label(entry)
    if top is None:
        return {"source-ref": entry["image"]}
    line = image_level_line(entry["image"], [top["name"]], attribute_names=[PRIOR_ATTRIBUTE],
                            job_name=PRIOR_JOB, human_annotated="no")
    line[f"{PRIOR_ATTRIBUTE}-metadata"]["confidence"] = round(top["confidence"] / 100, 4)
    return line


def groundtruth_text(entries: list[dict[str, Any]]) -> str:
    return manifest_text([groundtruth_line(entry) for entry in entries])
