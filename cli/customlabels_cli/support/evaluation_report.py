"""The evaluation of a model version from its summary file (spec 04 §8) and its registry item (gate,
thresholds, manifests): a text report for the terminal, and the confusion matrix as an inline SVG for
the HTML pages (the static report and the console share the page's template)."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from customlabels.evaluation import LabelMetrics, summary_label_metrics
from customlabels_cli.support.tables import table

CELL = 34  # px per confusion-matrix cell


def natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class Evaluation:
    version: str
    f1: float
    precision: float
    recall: float
    labels: list[LabelMetrics]
    training_images: int | None
    testing_images: int | None
    confusion: dict[tuple[str, str], float] | None = None  # (ground truth, predicted) -> share
    average_precision: float | None = None
    average_recall: float | None = None
    evaluated_at: str | None = None
    model_arn: str | None = None

    @property
    def label_names(self) -> list[str]:
        names = {m.label for m in self.labels}
        for truth, predicted in self.confusion or {}:
            names |= {truth, predicted}
        return sorted(names, key=natural_key)


def read_evaluation(summary: Mapping, version: str) -> Evaluation:
    """Read a summary file, whichever nesting its aggregated metrics use (spec 04 §8)."""
    aggregated = summary["AggregatedEvaluationResults"]
    metrics = aggregated.get("Metrics", aggregated)
    details = summary.get("EvaluationDetails", {})
    matrix = metrics.get("ConfusionMatrix")
    confusion = None
    if matrix is not None:
        confusion = {
            (cell["GroundTruthLabel"], cell["PredictedLabel"]): float(cell["Value"]) for cell in matrix
        }
    return Evaluation(
        version=version,
        f1=float(metrics["F1Score"]),
        precision=float(metrics["Precision"]),
        recall=float(metrics["Recall"]),
        labels=summary_label_metrics(summary),
        training_images=details.get("NumberOfTrainingImages"),
        testing_images=details.get("NumberOfTestingImages"),
        confusion=confusion,
        average_precision=metrics.get("AveragePrecision"),
        average_recall=metrics.get("AverageRecall"),
        # the guide spells the key both ways (spec 04 §13.3)
        evaluated_at=details.get("EvaluationEndTimestamp") or details.get("EvaluationEndTimeStamp"),
        model_arn=details.get("ProjectVersionArn"),
    )


TWO_VIEWS = (
    "Per-label F1, precision and recall count a prediction when its confidence reaches that label's "
    "assumed threshold. The confusion matrix counts only each image's top label, whatever its "
    "confidence. So a label can score 1.000 while the matrix shows images of it predicted as another: "
    "those predictions were below the other label's threshold."
)


@dataclass(frozen=True)
class Lineage:
    """Where an evaluation comes from and what the pipeline decided about it (the registry's item)."""

    gate_passed: bool | None
    gate_reason: str | None
    f1_threshold: float | None
    min_label_f1: float | None
    training_manifest: str | None
    testing_manifest: str | None
    created_at: str | None
    version_arn: str | None

    @classmethod
    def from_registry(cls, item: dict[str, Any]) -> Lineage:
        gate, thresholds = item.get("gate") or {}, item.get("thresholds") or {}
        return cls(
            gate_passed=gate.get("passed"),
            gate_reason=gate.get("reason"),
            f1_threshold=thresholds.get("f1Threshold"),
            min_label_f1=thresholds.get("minLabelF1"),
            training_manifest=item.get("trainingManifest"),
            testing_manifest=item.get("testingManifest"),
            created_at=item.get("createdAt"),
            version_arn=item.get("versionArn"),
        )


def lineage_rows(evaluation: Evaluation, lineage: Lineage | None) -> list[tuple[str, str]]:
    """(name, value) pairs: gate result and threshold, date, model ARN and manifests, as known."""
    rows: list[tuple[str, str]] = []
    if lineage is not None and lineage.gate_passed is not None:
        verdict = "passed" if lineage.gate_passed else "failed"
        rows.append(("gate", f"{verdict}: {lineage.gate_reason}" if lineage.gate_reason else verdict))
    if lineage is not None and lineage.f1_threshold is not None:
        threshold = f"F1 >= {float(lineage.f1_threshold):.3f}"
        if lineage.min_label_f1 is not None:
            threshold += f", every label F1 >= {float(lineage.min_label_f1):.3f}"
        rows.append(("gate threshold", threshold))
    date = evaluation.evaluated_at or (lineage.created_at if lineage else None)
    if date:
        rows.append(("evaluated", date))
    arn = evaluation.model_arn or (lineage.version_arn if lineage else None)
    if arn:
        rows.append(("model", arn))
    if lineage is not None:
        rows += [
            (name, uri)
            for name, uri in (
                ("training manifest", lineage.training_manifest),
                ("testing manifest", lineage.testing_manifest),
            )
            if uri
        ]
    return rows


def headline(evaluation: Evaluation) -> str:
    return f"{evaluation.version}: {aggregate_line(evaluation)}"


def aggregate_line(evaluation: Evaluation) -> str:
    parts = [
        f"F1 {evaluation.f1:.3f}",
        f"precision {evaluation.precision:.3f}",
        f"recall {evaluation.recall:.3f}",
    ]
    if evaluation.average_precision is not None:
        parts.append(f"mAP {float(evaluation.average_precision):.3f}")
    if evaluation.average_recall is not None:
        parts.append(f"mAR {float(evaluation.average_recall):.3f}")
    images = ""
    if evaluation.testing_images is not None:
        images = f" ({evaluation.training_images} training / {evaluation.testing_images} testing images)"
    return ", ".join(parts) + images


def label_rows(evaluation: Evaluation) -> list[list[str]]:
    return [
        [
            m.label,
            f"{m.f1:.3f}",
            f"{m.precision:.3f}",
            f"{m.recall:.3f}",
            f"{m.threshold:.3f}",
            str(m.testing_images),
        ]
        for m in sorted(evaluation.labels, key=lambda m: natural_key(m.label))
    ]


LABEL_HEADERS = ("label", "F1", "precision", "recall", "threshold", "test images")


def confusion_grid(evaluation: Evaluation) -> tuple[list[str], list[list[float]]]:
    names = evaluation.label_names
    cells = evaluation.confusion or {}
    return names, [[cells.get((truth, predicted), 0.0) for predicted in names] for truth in names]


def text_report(evaluation: Evaluation, lineage: Lineage | None = None) -> str:
    parts = [headline(evaluation)]
    parts += [f"  {name + ':':<19}{value}" for name, value in lineage_rows(evaluation, lineage)]
    parts += [
        "",
        "  Per label (at each label's assumed threshold)",
        table(LABEL_HEADERS, label_rows(evaluation)),
    ]
    if evaluation.confusion is not None:
        names, grid = confusion_grid(evaluation)
        rows = [
            [truth, *(f"{round(value * 100)}" if value else "." for value in values)]
            for truth, values in zip(names, grid, strict=True)
        ]
        parts += [
            "",
            "  Confusion matrix (% of each true label; rows: true label, columns: predicted top label)",
            table(["true\\pred", *names], rows),
        ]
        parts += ["", *textwrap.wrap(TWO_VIEWS, 100, initial_indent="  ", subsequent_indent="  ")]
    return "\n".join(parts)


def _colour(value: float) -> str:
    """White (0) to deep blue (1)."""
    low, high = (255, 255, 255), (8, 69, 148)
    return "#" + "".join(f"{round(a + (b - a) * value):02x}" for a, b in zip(low, high, strict=True))


def confusion_svg(
    names: Sequence[str],
    grid: Sequence[Sequence[float]],
    columns: Sequence[str] | None = None,
    label: str = "confusion matrix",
) -> str:
    """Rows `names`; columns `columns` (default: the same names)."""
    columns = names if columns is None else columns
    margin = 8 + 8 * max((len(name) for name in names), default=1)
    widths = [max(CELL, 7 * len(name) + 6) for name in columns]  # each column's name fits
    lefts = [margin + 20 + sum(widths[:column]) for column in range(len(columns))]
    width = margin + sum(widths) + 8
    height = margin + CELL * len(names) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20}" height="{height + 20}" '
        f'role="img" aria-label="{html.escape(label)}">',
        f'<text x="{margin + 20 + sum(widths) / 2}" y="12" text-anchor="middle" '
        f'font-size="12">predicted label</text>',
        f'<text x="12" y="{margin + 20 + CELL * len(names) / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {margin + 20 + CELL * len(names) / 2})">true label</text>',
    ]
    top = margin + 20
    for column, name in enumerate(columns):
        x = lefts[column] + widths[column] / 2
        parts.append(
            f'<text x="{x}" y="{top - 6}" text-anchor="middle" font-size="11">{html.escape(name)}</text>'
        )
    for row, (name, values) in enumerate(zip(names, grid, strict=True)):
        y = top + row * CELL
        parts.append(
            f'<text x="{margin + 14}" y="{y + CELL / 2 + 4}" text-anchor="end" '
            f'font-size="11">{html.escape(name)}</text>'
        )
        for column, value in enumerate(values):
            x, wide = lefts[column], widths[column]
            predicted = html.escape(columns[column])
            ink = "#fff" if value > 0.55 else "#222"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{wide}" height="{CELL}" fill="{_colour(min(value, 1.0))}" '
                f'stroke="#ccc" data-true="{html.escape(name)}" data-predicted="{predicted}" '
                f'data-share="{value:.6f}"><title>true {html.escape(name)}, predicted '
                f"{predicted}: {value:.1%}</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + wide / 2}" y="{y + CELL / 2 + 4}" text-anchor="middle" '
                    f'font-size="10" fill="{ink}">{round(value * 100)}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)
