"""The promotion gate, including the guide-derived example where micro-F1 would wrongly pass."""

from __future__ import annotations

import pytest

from customlabels.evaluation import LabelMetrics, aggregate
from customlabels.training.gate import (
    GateRules,
    comparable_champion,
    decide,
    promotion_refusal,
    rival_champion,
)

# Spec 04 §12 example A: macro F1 0.694444; micro F1 would be 0.70.
EXAMPLE_A = [
    LabelMetrics("cat", 0.5, 0.75, 0.75, 0.75, 4),
    LabelMetrics("dog", 0.5, 0.6, 0.75, 2 * 0.6 * 0.75 / 1.35, 4),
    LabelMetrics("fox", 0.5, 1.0, 0.5, 2 * 0.5 / 1.5, 2),
]
F1_A = aggregate(EXAMPLE_A).f1


def test_example_a_fails_a_0_70_threshold_because_f1_is_the_macro_mean() -> None:
    decision = decide(F1_A, EXAMPLE_A, GateRules(0.70, 0.0, False))
    assert not decision.passed
    assert "F1 0.6944 is below the threshold 0.7000" in decision.reason


def test_passing_model_reports_the_reason_and_a_label_table_weakest_first() -> None:
    decision = decide(F1_A, EXAMPLE_A, GateRules(0.6, 0.0, True))
    assert decision.passed
    assert decision.reason == "F1 0.6944 >= threshold 0.6000; no champion yet"
    assert [row["label"] for row in decision.labels] == ["dog", "fox", "cat"]
    assert decision.labels[-1] == {
        "label": "cat",
        "f1Score": 0.75,
        "precision": 0.75,
        "recall": 0.75,
        "threshold": 0.5,
        "testingImages": 4,
        "passed": True,
    }


def test_a_label_below_min_label_f1_fails_and_is_named() -> None:
    decision = decide(F1_A, EXAMPLE_A, GateRules(0.6, 0.7, False))
    assert not decision.passed
    assert decision.failedLabels == ["dog", "fox"]
    assert "2 label(s) below minLabelF1 0.7000: dog (0.6667), fox (0.6667)" in decision.reason


def test_require_improvement_compares_with_the_champion() -> None:
    better = {"versionName": "digits.v1", "f1Score": 0.69}
    equal = {"versionName": "digits.v1", "f1Score": F1_A}
    assert decide(F1_A, EXAMPLE_A, GateRules(0.6, 0.0, True), better).passed
    decision = decide(F1_A, EXAMPLE_A, GateRules(0.6, 0.0, True), equal)
    assert not decision.passed
    assert "does not improve on the champion digits.v1" in decision.reason
    assert decide(F1_A, EXAMPLE_A, GateRules(0.6, 0.0, False), equal).passed


def test_all_failed_rules_are_reported_together() -> None:
    decision = decide(
        0.5, EXAMPLE_A, GateRules(0.9, 0.8, True), {"versionName": "digits.v1", "f1Score": 0.95}
    )
    assert decision.reason.count(";") == 2


@pytest.mark.parametrize(
    ("champion", "version", "rival"),
    [
        (None, "v2", None),
        ({"versionName": "v1", "f1Score": 0.9}, "v2", "v1"),
        ({"versionName": "v2", "f1Score": 0.9}, "v2", None),  # a re-run of the champion's own version
    ],
)
def test_the_champion_a_version_competes_with(champion, version, rival) -> None:
    found = rival_champion(champion, version)
    assert (found["versionName"] if found else None) == rival


@pytest.mark.parametrize(
    ("record", "refused_because"),
    [
        (None, "has no gate result"),
        ({"versionName": "v1", "status": "TRAINING_COMPLETED"}, "has no gate result"),
        (
            {"gate": {"passed": False, "reason": "F1 0.5000 is below the threshold"}},
            "did not pass the gate (F1 0.5",
        ),
        ({"gate": {"passed": True, "reason": "ok"}}, None),
    ],
)
def test_promotion_needs_a_passed_gate_on_record(record, refused_because) -> None:
    refusal = promotion_refusal("v1", record)
    if refused_because is None:
        assert refusal is None
    else:
        assert refused_because in refusal and "--force" in refusal


def test_a_feedback_retraining_says_the_images_added_and_how_each_labels_f1_moved() -> None:
    from customlabels.training.gate import feedback_note

    labels = [{"label": "3", "f1Score": 0.9}, {"label": "1", "f1Score": 0.8}, {"label": "9", "f1Score": 0.5}]
    before = [{"label": "3", "f1Score": 0.6}, {"label": "1", "f1Score": 0.85}]
    note = feedback_note(42, labels, {"versionName": "d.v1"}, before)
    assert note == (
        "feedback added 42 corrected image(s); per-label F1 against d.v1: "
        "1 0.850->0.800 (-0.050), 3 0.600->0.900 (+0.300), 9 new 0.500"
    )
    assert feedback_note(3, labels, None, []) == "feedback added 3 corrected image(s)"


def _tested_on(testing: str | None, training: str = "t1") -> dict:
    return {"manifestHashes": {"training": training, "testing": testing}}


def test_a_champion_tested_on_the_same_set_is_compared():
    champion = {"versionName": "digits.v1", "f1Score": 0.9}
    assert comparable_champion(champion, _tested_on("h1"), _tested_on("h1", "t2")) == (champion, None)
    assert comparable_champion(champion, _tested_on(None), _tested_on(None)) == (champion, None)


def test_a_champion_tested_on_another_set_is_left_out_and_the_reason_says_so():
    champion = {"versionName": "digits.v1", "f1Score": 0.99}
    compared, note = comparable_champion(champion, _tested_on("digits-test"), _tested_on("shapes-test"))
    assert compared is None
    assert "not compared with the champion digits.v1" in note and "shapes-test" in note
    rules = GateRules(f1Threshold=0.5, minLabelF1=0.0, requireImprovement=True)
    decision = decide(0.8, [], rules, compared, note)
    assert decision.passed and decision.reason == f"F1 0.8000 >= threshold 0.5000; {note}"
    assert comparable_champion(champion, _tested_on(None, "a"), _tested_on(None, "b"))[0] is None
