"""Drift of what the champion sees: the label mix of a window of results against its test-set baseline.

Both sides are "images with the labels DetectCustomLabels returned and their confidences" (percent):
- the baseline from the champion's evaluation manifest snapshot (spec 04 §9): a test image's labels are
  its predictions counted at the assumed thresholds (TP or FP), which is what DetectCustomLabels returns
  without MinConfidence (spec 05); with minConfidence set, the predictions at or above it;
- the window from the results table (uploads and batches), one row per analysed image.

The label mix is each label's share of all labels returned; the whole mix is compared with the
Jensen-Shannon divergence (base 2, 0 = same mix, 1 = nothing in common). A label's "low confidence"
is a confidence under the baseline's 10th percentile of that label, so about 10 % of the baseline's
labels are low by construction and a window well above that sees its images less surely than the test
set did.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import mean, quantiles

LOW_QUANTILE = 0.10  # the baseline's per-label confidence below which a label counts as low confidence

ImageLabels = Mapping[str, float]  # label -> its confidence (percent) in one image; empty: no label


@dataclass(frozen=True)
class Thresholds:
    max_divergence: float  # Jensen-Shannon divergence of the label mix at which drift is declared
    max_no_label_increase: float  # rise of the no-label rate (share of images, absolute) that is drift
    max_low_confidence_increase: float  # rise of the low-confidence rate (absolute) that is drift
    min_images: int  # a window with fewer images is not judged


@dataclass(frozen=True)
class Profile:
    """The label mix and confidences of a set of images."""

    images: int
    no_label_images: int
    label_counts: Mapping[str, int]
    confidences: Mapping[str, Sequence[float]] = field(repr=False)

    @classmethod
    def of(cls, images: Iterable[ImageLabels]) -> Profile:
        count = no_label = 0
        labels: Counter[str] = Counter()
        confidences: dict[str, list[float]] = {}
        for image in images:
            count += 1
            no_label += not image
            for label, confidence in image.items():
                labels[label] += 1
                confidences.setdefault(label, []).append(float(confidence))
        return cls(count, no_label, dict(labels), confidences)

    @property
    def label_total(self) -> int:
        return sum(self.label_counts.values())

    def shares(self) -> dict[str, float]:
        total = self.label_total
        return {label: count / total for label, count in sorted(self.label_counts.items())} if total else {}

    def no_label_rate(self) -> float:
        return self.no_label_images / self.images if self.images else 0.0

    def low_cuts(self) -> dict[str, float]:
        """Per label, the confidence under which it counts as low (the 10th percentile, inclusive)."""
        return {label: _percentile(values, LOW_QUANTILE) for label, values in self.confidences.items()}

    def low_confidence_rate(self, cuts: Mapping[str, float]) -> float:
        """Share of this profile's labels with a confidence under their cut (labels without one: none)."""
        low = sum(
            value < cuts[label]
            for label, values in self.confidences.items()
            if label in cuts
            for value in values
        )
        return low / self.label_total if self.label_total else 0.0


@dataclass(frozen=True)
class LabelDrift:
    label: str
    baseline_share: float
    window_share: float
    baseline_mean_confidence: float | None
    window_mean_confidence: float | None
    baseline_low_cut: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "baselineShare": round(self.baseline_share, 4),
            "windowShare": round(self.window_share, 4),
            "shareChange": round(self.window_share - self.baseline_share, 4),
            "baselineMeanConfidence": _rounded(self.baseline_mean_confidence),
            "windowMeanConfidence": _rounded(self.window_mean_confidence),
            "baselineLowConfidenceCut": _rounded(self.baseline_low_cut),
        }


@dataclass(frozen=True)
class DriftReport:
    baseline_images: int
    window_images: int
    divergence: float
    no_label_rate: tuple[float, float]  # (baseline, window)
    low_confidence_rate: tuple[float, float]  # (baseline, window)
    labels: tuple[LabelDrift, ...]
    judged: bool  # False: the window holds fewer than min_images
    reasons: tuple[str, ...]  # why it is drift; empty: no drift

    @property
    def drift(self) -> bool:
        return bool(self.reasons)

    def as_json(self) -> dict[str, object]:
        return {
            "baselineImages": self.baseline_images,
            "windowImages": self.window_images,
            "judged": self.judged,
            "drift": self.drift,
            "reasons": list(self.reasons),
            "labelMixDivergence": round(self.divergence, 4),
            "noLabelRate": {
                "baseline": round(self.no_label_rate[0], 4),
                "window": round(self.no_label_rate[1], 4),
            },
            "lowConfidenceRate": {
                "baseline": round(self.low_confidence_rate[0], 4),
                "window": round(self.low_confidence_rate[1], 4),
            },
            "labels": [label.as_json() for label in self.labels],
        }


def jensen_shannon(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) of two distributions over labels; two empty mixes
    (no label anywhere) are the same mix."""
    divergence = 0.0
    for label in set(p) | set(q):
        a, b = p.get(label, 0.0), q.get(label, 0.0)
        middle = (a + b) / 2
        divergence += sum(x * math.log2(x / middle) for x in (a, b) if x > 0) / 2
    return max(0.0, min(1.0, divergence))


def compare(baseline: Profile, window: Profile, thresholds: Thresholds) -> DriftReport:
    base_shares, window_shares = baseline.shares(), window.shares()
    cuts = baseline.low_cuts()
    divergence = jensen_shannon(base_shares, window_shares) if window.label_total else 0.0
    no_label = (baseline.no_label_rate(), window.no_label_rate())
    low = (baseline.low_confidence_rate(cuts), window.low_confidence_rate(cuts))
    judged = window.images >= thresholds.min_images
    reasons: list[str] = []
    if judged and window.label_total and divergence >= thresholds.max_divergence:
        reasons.append(
            f"the label mix moved: Jensen-Shannon divergence {divergence:.3f} "
            f">= {thresholds.max_divergence:g}"
        )
    if judged and no_label[1] - no_label[0] >= thresholds.max_no_label_increase:
        reasons.append(
            f"images with no label rose from {no_label[0]:.0%} to {no_label[1]:.0%} "
            f"(+{thresholds.max_no_label_increase:.0%} is drift)"
        )
    if judged and low[1] - low[0] >= thresholds.max_low_confidence_increase:
        reasons.append(
            f"low-confidence labels rose from {low[0]:.0%} to {low[1]:.0%} "
            f"(+{thresholds.max_low_confidence_increase:.0%} is drift)"
        )
    labels = tuple(
        LabelDrift(
            label,
            base_shares.get(label, 0.0),
            window_shares.get(label, 0.0),
            _mean(baseline.confidences.get(label)),
            _mean(window.confidences.get(label)),
            cuts.get(label),
        )
        for label in sorted(set(base_shares) | set(window_shares))
    )
    return DriftReport(
        baseline.images, window.images, divergence, no_label, low, labels, judged, tuple(reasons)
    )


def _percentile(values: Sequence[float], fraction: float) -> float:
    if len(values) < 2:
        return min(values)
    return quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def _mean(values: Sequence[float] | None) -> float | None:
    return mean(values) if values else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
