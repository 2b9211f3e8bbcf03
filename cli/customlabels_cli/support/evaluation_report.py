"""The evaluation of a model version from its summary file (spec 04 §8): a text report for the terminal
and a self-contained HTML page with the per-label table and the confusion matrix as an inline SVG."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    )


def _headline(evaluation: Evaluation) -> str:
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
    return f"{evaluation.version}: " + ", ".join(parts) + images


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


def text_report(evaluation: Evaluation) -> str:
    parts = [_headline(evaluation), "", table(LABEL_HEADERS, label_rows(evaluation))]
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
    return "\n".join(parts)


def _colour(value: float) -> str:
    """White (0) to deep blue (1)."""
    low, high = (255, 255, 255), (8, 69, 148)
    return "#" + "".join(f"{round(a + (b - a) * value):02x}" for a, b in zip(low, high, strict=True))


def confusion_svg(names: Sequence[str], grid: Sequence[Sequence[float]]) -> str:
    margin = 8 + 8 * max((len(name) for name in names), default=1)
    size = margin + CELL * len(names) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 20}" height="{size + 20}" '
        f'role="img" aria-label="confusion matrix">',
        f'<text x="{margin + 20 + CELL * len(names) / 2}" y="12" text-anchor="middle" '
        f'font-size="12">predicted label</text>',
        f'<text x="12" y="{margin + 20 + CELL * len(names) / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {margin + 20 + CELL * len(names) / 2})">true label</text>',
    ]
    top = margin + 20
    for column, name in enumerate(names):
        x = margin + 20 + column * CELL + CELL / 2
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
            x = margin + 20 + column * CELL
            ink = "#fff" if value > 0.55 else "#222"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{_colour(value)}" '
                f'stroke="#ccc"><title>true {html.escape(name)}, predicted '
                f"{html.escape(names[column])}: {value:.1%}</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 4}" text-anchor="middle" '
                    f'font-size="10" fill="{ink}">{round(value * 100)}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def html_report(evaluation: Evaluation, title: str) -> str:
    def cells(values: Sequence[str], tag: str = "td") -> str:
        return "".join(f"<{tag}>{html.escape(value)}</{tag}>" for value in values)

    rows = "".join(f"<tr>{cells(row)}</tr>" for row in label_rows(evaluation))
    matrix = ""
    if evaluation.confusion is not None:
        names, grid = confusion_grid(evaluation)
        matrix = (
            "<h2>Confusion matrix</h2><p>Share of each true label's test images by the predicted top "
            "label.</p>" + confusion_svg(names, grid)
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
        "td:first-child{text-align:left}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(_headline(evaluation))}</p>"
        f"<h2>Per label</h2><table><thead><tr>{cells(LABEL_HEADERS, 'th')}</tr></thead>"
        f"<tbody>{rows}</tbody></table>{matrix}</body></html>\n"
    )
