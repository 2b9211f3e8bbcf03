"""Drift maths on plain inputs: the same mix is no drift, one label taking over is, and each rate's rise."""

from __future__ import annotations

import math

import pytest

from customlabels.monitoring.drift import Profile, Thresholds, compare, jensen_shannon

THRESHOLDS = Thresholds(
    max_divergence=0.2, max_no_label_increase=0.2, max_low_confidence_increase=0.25, min_images=20
)
DIGITS = [str(d) for d in range(10)]


def usual_mix(count: int, confidence: float = 90.0) -> list[dict[str, float]]:
    return [{DIGITS[i % 10]: confidence + (i % 7)} for i in range(count)]


BASELINE = Profile.of(usual_mix(360) + [{}] * 20)


def test_jensen_shannon_is_zero_for_the_same_mix_and_one_for_disjoint_mixes() -> None:
    assert jensen_shannon({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0.0
    assert jensen_shannon({"a": 1.0}, {"b": 1.0}) == pytest.approx(1.0)
    # one label against ten equal ones: the divergence the guide-free maths gives by hand
    uniform = {d: 0.1 for d in DIGITS}
    expected = (math.log2(1 / 0.55) + 0.1 * math.log2(0.1 / 0.55) + 0.9 * math.log2(2)) / 2
    assert jensen_shannon({"3": 1.0}, uniform) == pytest.approx(expected)


def test_the_usual_mix_is_no_drift_and_its_shares_match_the_baseline() -> None:
    report = compare(BASELINE, Profile.of(usual_mix(40)), THRESHOLDS)
    assert report.judged and not report.drift
    for label in report.labels:
        assert label.window_share == pytest.approx(label.baseline_share, abs=0.01)


def test_one_digit_only_is_drift_with_the_reason() -> None:
    report = compare(BASELINE, Profile.of([{"7": 95.0}] * 40), THRESHOLDS)
    assert report.drift
    assert "label mix moved" in report.reasons[0]
    seven = next(label for label in report.labels if label.label == "7")
    assert seven.window_share == 1.0 and seven.baseline_share == pytest.approx(0.1)


def test_more_images_without_a_label_is_drift() -> None:
    report = compare(BASELINE, Profile.of(usual_mix(20) + [{}] * 20), THRESHOLDS)
    assert report.no_label_rate[1] == 0.5
    assert any("no label" in reason for reason in report.reasons)


def test_labels_under_the_baselines_tenth_percentile_are_low_confidence() -> None:
    report = compare(BASELINE, Profile.of(usual_mix(40, confidence=40.0)), THRESHOLDS)
    assert report.low_confidence_rate[0] == pytest.approx(0.1, abs=0.1)
    assert report.low_confidence_rate[1] == 1.0
    assert any("low-confidence" in reason for reason in report.reasons)


def test_a_window_under_the_minimum_is_reported_but_not_judged() -> None:
    report = compare(BASELINE, Profile.of([{"7": 95.0}] * 5), THRESHOLDS)
    assert not report.judged and not report.drift
    assert report.as_json()["windowImages"] == 5
