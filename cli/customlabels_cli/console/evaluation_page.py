"""What the evaluation page shows, as plain values for its template. The console renders it one page of
test images at a time (filters applied by the server); the static report renders every image and
filters in the browser.

One unit on the page: a confidence or threshold is a percentage, as DetectCustomLabels returns it and
MinConfidence takes it; precision, recall and F1 stay scores from 0 to 1 (spec 04)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from customlabels_cli.support.evaluation_images import FN, FP, OUTCOMES, TP, LabelScores, TestImage, filtered
from customlabels_cli.support.evaluation_report import (
    TWO_VIEWS,
    aggregate_line,
    confusion_grid,
    confusion_svg,
    lineage_rows,
    natural_key,
)
from customlabels_cli.support.threshold_confusion import missed_boxes, threshold_confusion
from customlabels_cli.support.version_evaluation import VersionEvaluation

PAGE_SIZE = 60
OUTCOME_NAMES = ((TP, "true positive"), (FP, "false positive"), (FN, "false negative"))


THRESHOLD_VIEWS = (
    "Rows: true label. Columns: the labels predicted at their assumed threshold, the counting the "
    "per-label metrics use; 'no label': nothing reached its threshold. The diagonal is each label's "
    "recall. A classification image with several labels predicted counts in each of their columns."
)


def percent(confidence: float) -> str:
    """A confidence or threshold (0-1) as the page shows it; console.js formats alike."""
    return f"{confidence * 100:.2f}%"


def describe_at(threshold: float, scores: LabelScores) -> str:
    """The slider's text; console.js writes the same for a moved slider."""
    precision, recall, f1 = scores.metrics_at(threshold)
    return f"at {percent(threshold)}: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}"


def slider_steps(scores: LabelScores, threshold: float) -> list[float]:
    """The slider's positions: every confidence the label was predicted with, and its assumed
    threshold, ascending (a quantile scale: each step changes what counts, however close the
    confidences sit, such as detection thresholds of 0.997 and 0.999)."""
    return sorted({confidence for confidence, _ in scores.scored} | {threshold})


@dataclass(frozen=True)
class Pages:
    number: int
    count: int
    previous: str | None
    next: str | None


def _box(kind: str, box: tuple[float, ...], text: str, width: int) -> dict:
    left, top, box_width, box_height = box
    size = max(width / 26, 3)
    return {
        "kind": kind,
        "title": text,
        "x": left,
        "y": top,
        "w": box_width,
        "h": box_height,
        "text_y": top - size * 0.25 if top > size else top + box_height + size,
        "font": round(size, 2),
    }


def _boxes(image: TestImage) -> list[dict]:
    """Ground truth found, ground truth missed (FN, in its own style), then counted predictions; each
    box carries its label (and confidence) for the enlarged view."""
    width = image.size[0] if image.size else 100
    missed = missed_boxes(image)
    found = [(label, box) for label, box in image.truth if box is not None and (label, box) not in missed]
    boxes = [_box("truth", box, f"true {label}", width) for label, box in found]
    boxes += [_box("fn", box, f"missed {label} (FN)", width) for label, box in missed]
    boxes += [
        _box(p.outcome.lower(), p.box, f"{p.label} {percent(p.confidence)} ({p.outcome})", width)
        for p in image.predictions
        if p.box is not None and p.outcome
    ]
    return boxes


def _marks(image: TestImage) -> list[dict]:
    marks = [
        {"outcome": p.outcome, "text": f"{p.outcome} {p.label} {percent(p.confidence)}"}
        for p in image.predictions
        if p.outcome
    ]
    missed = image.missed()
    marks += [
        {"outcome": FN, "text": f"FN {label}" + (f" x{count}" if count > 1 else "")}
        for label, count in sorted(missed.items())
    ]
    return marks


def figure(image: TestImage, src: str) -> dict:
    return {
        "name": PurePosixPath(image.source_ref).name,
        "src": src,
        "size": image.size,
        "boxes": _boxes(image),
        "truth": ", ".join(image.truth_labels),
        "marks": _marks(image),
        "outcomes": " ".join(sorted(f"{label}:{outcome}" for label, outcome in image.outcomes())),
    }


def label_rows(view: VersionEvaluation) -> list[dict]:
    scores = {s.label: s for s in view.scores}
    rows = []
    for m in sorted(view.evaluation.labels, key=lambda m: natural_key(m.label)):
        label_scores = scores.get(m.label)
        rows.append(
            {
                "label": m.label,
                "f1": f"{m.f1:.3f}",
                "precision": f"{m.precision:.3f}",
                "recall": f"{m.recall:.3f}",
                "threshold": percent(m.threshold),
                "testing": m.testing_images,
                "scored": bool(label_scores and label_scores.scored),
                "at_threshold": describe_at(m.threshold, label_scores) if label_scores else "",
                **_slider(m.threshold, label_scores),
            }
        )
    return rows


def _slider(threshold: float, scores: LabelScores | None) -> dict:
    if scores is None or not scores.scored:
        return {}
    steps = slider_steps(scores, threshold)
    return {
        "steps": json.dumps(steps),
        "position": steps.index(threshold),
        "last": len(steps) - 1,
        "range": f"{percent(steps[0])} to {percent(steps[-1])}",
    }


def _confusions(view: VersionEvaluation) -> dict:
    """The matrix at the assumed thresholds (from the snapshot) and the summary file's top-label one."""
    found: dict = {"threshold_views": THRESHOLD_VIEWS, "two_views": TWO_VIEWS}
    if view.images:
        matrix = threshold_confusion(view.images, [row["label"] for row in label_rows(view)])
        found["confusion_at_thresholds"] = confusion_svg(
            matrix.rows, matrix.grid, matrix.columns, "confusion matrix at the assumed thresholds"
        )
    if view.evaluation.confusion is not None:
        found["confusion_svg"] = confusion_svg(*confusion_grid(view.evaluation))
    return found


def page_context(
    view: VersionEvaluation,
    image_src: Callable[[TestImage], str],
    *,
    label: str | None = None,
    outcome: str | None = None,
    number: int = 1,
    page_url: Callable[[int], str] | None = None,
) -> dict:
    """`page_url` given: one page of the filtered images (the console); else every image (static)."""
    evaluation = view.evaluation
    label = label or None
    outcome = outcome if outcome in OUTCOMES else None
    chosen = filtered(view.images, label, outcome) if page_url else list(view.images)
    pages = None
    if page_url:
        count = max(1, math.ceil(len(chosen) / PAGE_SIZE))
        number = min(max(1, number), count)
        pages = Pages(
            number,
            count,
            page_url(number - 1) if number > 1 else None,
            page_url(number + 1) if number < count else None,
        )
        chosen = chosen[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        shown = f"{len(filtered(view.images, label, outcome))} of {len(view.images)} test images"
    else:
        shown = f"{len(view.images)} of {len(view.images)} test images"
    return {
        "version": evaluation.version,
        "deleted": view.deleted,
        "aggregate": aggregate_line(evaluation),
        "lineage": lineage_rows(evaluation, view.lineage),
        **_confusions(view),
        "labels": label_rows(view),
        "is_detection": view.is_detection,
        "scores_json": json.dumps([s.as_json() for s in view.scores]).replace("</", "<\\/"),
        "has_images": bool(view.images),
        "label_names": sorted({s.label for s in view.scores}, key=natural_key),
        "outcome_names": OUTCOME_NAMES,
        "label": label,
        "outcome": outcome,
        "filter_mode": "server" if page_url else "client",
        "figures": [figure(image, image_src(image)) for image in chosen],
        "pages": pages,
        "shown": shown,
    }
