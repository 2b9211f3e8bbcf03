"""What the evaluation page shows, as plain values for its template. The console renders it one page of
test images at a time (filters applied by the server); the static report renders every image and
filters in the browser."""

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
from customlabels_cli.support.version_evaluation import VersionEvaluation

PAGE_SIZE = 60
OUTCOME_NAMES = ((TP, "true positive"), (FP, "false positive"), (FN, "false negative"))


def describe_at(threshold: float, scores: LabelScores) -> str:
    """The slider's text; console.js writes the same for a moved slider."""
    precision, recall, f1 = scores.metrics_at(threshold)
    return f"at {threshold:.3f}: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}"


@dataclass(frozen=True)
class Pages:
    number: int
    count: int
    previous: str | None
    next: str | None


def _boxes(image: TestImage) -> list[dict]:
    boxes = [
        {"kind": "truth", "box": box, "title": f"true {label}"}
        for label, box in image.truth
        if box is not None
    ]
    boxes += [
        {
            "kind": p.outcome.lower(),
            "box": p.box,
            "title": f"predicted {p.label} {p.confidence:.1%}" + (f" ({p.outcome})" if p.outcome else ""),
        }
        for p in image.predictions
        if p.box is not None and p.outcome
    ]
    return [
        {
            "kind": b["kind"],
            "title": b["title"],
            "x": b["box"][0],
            "y": b["box"][1],
            "w": b["box"][2],
            "h": b["box"][3],
        }
        for b in boxes
    ]


def _marks(image: TestImage) -> list[dict]:
    marks = [
        {"outcome": p.outcome, "text": f"{p.outcome} {p.label} {p.confidence:.1%}"}
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
                "threshold": f"{m.threshold:.3f}",
                "threshold_value": m.threshold,
                "testing": m.testing_images,
                "scored": bool(label_scores and label_scores.scored),
                "at_threshold": describe_at(m.threshold, label_scores) if label_scores else "",
            }
        )
    return rows


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
    confusion = None
    if evaluation.confusion is not None:
        confusion = confusion_svg(*confusion_grid(evaluation))
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
        "aggregate": aggregate_line(evaluation),
        "lineage": lineage_rows(evaluation, view.lineage),
        "two_views": TWO_VIEWS,
        "labels": label_rows(view),
        "is_detection": view.is_detection,
        "scores_json": json.dumps([s.as_json() for s in view.scores]).replace("</", "<\\/"),
        "confusion_svg": confusion,
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
