"""The promotion gate: does a trained model beat the thresholds (and the current champion)?

Rules, all of which must hold:
- aggregated F1 (`EvaluationResult.F1Score`) >= f1Threshold;
- when minLabelF1 > 0, every label's F1 >= minLabelF1;
- when requireImprovement and a champion exists (other than this version) that was tested on the same
  test set (the same testing manifest hash; for an auto-split, the same training manifest hash), F1 > the
  champion's F1. A champion tested on another set is not compared (its F1 measures other images, maybe
  other labels), and the gate's reason says so.

A version becomes champion only with a passed gate on record, unless the operator forces it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from customlabels.evaluation import LabelMetrics


@dataclass(frozen=True)
class GateRules:
    f1Threshold: float
    minLabelF1: float
    requireImprovement: bool


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str
    f1Score: float
    labels: list[dict]
    failedLabels: list[str]
    championVersion: str | None
    championF1: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def label_table(metrics: Sequence[LabelMetrics], min_label_f1: float) -> list[dict]:
    """One row per label, lowest F1 first so the weakest labels head the table."""
    rows = [
        {
            "label": m.label,
            "f1Score": m.f1,
            "precision": m.precision,
            "recall": m.recall,
            "threshold": m.threshold,
            "testingImages": m.testing_images,
            "passed": min_label_f1 <= 0 or m.f1 >= min_label_f1,
        }
        for m in metrics
    ]
    return sorted(rows, key=lambda row: (row["f1Score"], row["label"]))


def decide(
    f1: float,
    metrics: Sequence[LabelMetrics],
    rules: GateRules,
    champion: Mapping | None = None,
    left_out: str | None = None,
) -> GateDecision:
    """`left_out`: why a champion was not compared (comparable_champion), said in place of "no champion"."""
    labels = label_table(metrics, rules.minLabelF1)
    failed_labels = [row["label"] for row in labels if not row["passed"]]
    champion_f1 = champion.get("f1Score") if champion else None
    reasons = []
    if f1 < rules.f1Threshold:
        reasons.append(f"F1 {f1:.4f} is below the threshold {rules.f1Threshold:.4f}")
    if failed_labels:
        detail = ", ".join(f"{row['label']} ({row['f1Score']:.4f})" for row in labels if not row["passed"])
        reasons.append(f"{len(failed_labels)} label(s) below minLabelF1 {rules.minLabelF1:.4f}: {detail}")
    if rules.requireImprovement and champion_f1 is not None and f1 <= champion_f1:
        reasons.append(
            f"F1 {f1:.4f} does not improve on the champion {champion['versionName']} (F1 {champion_f1:.4f})"
        )
    passed = not reasons
    if passed:
        reason = f"F1 {f1:.4f} >= threshold {rules.f1Threshold:.4f}"
        if rules.minLabelF1 > 0:
            reason += f"; every label's F1 >= {rules.minLabelF1:.4f}"
        if champion_f1 is not None and rules.requireImprovement:
            reason += f"; improves on the champion {champion['versionName']} (F1 {champion_f1:.4f})"
        elif champion_f1 is None and rules.requireImprovement:
            reason += f"; {left_out or 'no champion yet'}"
    else:
        reason = "; ".join(reasons + ([left_out] if left_out and rules.requireImprovement else []))
    return GateDecision(
        passed=passed,
        reason=reason,
        f1Score=f1,
        labels=labels,
        failedLabels=failed_labels,
        championVersion=champion["versionName"] if champion else None,
        championF1=champion_f1,
    )


def feedback_note(images: int, labels: Sequence[Mapping], champion: Mapping | None,
                  champion_labels: Sequence[Mapping]) -> str:
    """What a feedback retraining changed, for the gate's reason (and so the notification): the images
    it added and each label's F1 against the champion's, on the same (frozen) test set."""
    note = f"feedback added {images} corrected image(s)"
    if not champion:
        return note
    before = {row["label"]: row["f1Score"] for row in champion_labels}
    moves = []
    for row in sorted(labels, key=lambda row: row["label"]):
        old = before.get(row["label"])
        if old is None:
            moves.append(f"{row['label']} new {row['f1Score']:.3f}")
        else:
            moves.append(f"{row['label']} {old:.3f}->{row['f1Score']:.3f} ({row['f1Score'] - old:+.3f})")
    return f"{note}; per-label F1 against {champion['versionName']}: " + ", ".join(moves)


def rival_champion(champion: Mapping | None, version_name: str) -> Mapping | None:
    """The champion this version competes with: none when it is itself the champion (a re-run of the
    champion's own execution does not compete with itself)."""
    if champion and champion["versionName"] == version_name:
        return None
    return champion


def test_set_of(item: Mapping | None) -> str | None:
    """What a version was tested on, from its registry item's manifest hashes."""
    hashes = (item or {}).get("manifestHashes") or {}
    if hashes.get("testing"):
        return f"testing manifest {hashes['testing']}"
    return f"an auto-split of training manifest {hashes['training']}" if hashes.get("training") else None


def comparable_champion(
    champion: Mapping | None, champion_item: Mapping | None, version_item: Mapping | None
) -> tuple[Mapping | None, str | None]:
    """(the champion to compare F1 with, or None; the note when a champion was left out)."""
    if champion is None:
        return None, None
    ours, theirs = test_set_of(version_item), test_set_of(champion_item)
    if ours is not None and ours == theirs:
        return champion, None
    return None, (
        f"not compared with the champion {champion['versionName']}: it was tested on "
        f"{theirs or 'an unknown test set'}, this version on {ours or 'an unknown test set'}"
    )


def promotion_refusal(version_name: str, record: Mapping | None) -> str | None:
    """Why the version may not become champion without `force`, or None when its gate passed."""
    gate = (record or {}).get("gate")
    if record is None or not gate:
        return (
            f"version {version_name!r} has no gate result in the registry (not evaluated by the "
            "training pipeline): promote with force (customlabels promote --force) to override"
        )
    if not gate.get("passed"):
        return (
            f"version {version_name!r} did not pass the gate ({gate.get('reason', 'no reason recorded')}): "
            "promote with force (customlabels promote --force) to override"
        )
    return None
