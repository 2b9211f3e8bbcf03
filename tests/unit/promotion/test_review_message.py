"""What a reviewer reads when a run waits for approval."""

from __future__ import annotations

from customlabels.promotion.approval import review_message

EVENT = {
    "settings": {"projectName": "digits", "versionName": "digits.v2"},
    "evaluation": {
        "f1Score": 0.91,
        "f1Threshold": 0.8,
        "reason": "F1 0.9100 >= 0.8000",
        "championVersion": "digits.v1",
        "championF1": 0.88,
        "summaryUri": "s3://console/training-output/digits/digits.v2/summary.json",
        "labels": [{"label": "7", "f1Score": 0.8, "precision": 0.75, "recall": 0.857, "threshold": 0.4}],
    },
    "executionArn": "arn:aws:states:us-east-1:111111111111:execution:training:run",
}


def test_the_review_names_the_version_scores_champion_report_and_the_exact_commands() -> None:
    text = review_message(EVENT, "2026-01-02T03:04:05+00:00")
    assert "digits.v2 of digits passed the gate and waits for approval until 2026-01-02T03:04:05" in text
    assert "F1 0.910 (threshold 0.8)" in text and "champion digits.v1 has F1 0.88" in text
    assert any(line.split()[:2] == ["7", "0.800"] for line in text.splitlines())
    assert "s3://console/training-output/digits/digits.v2/summary.json" in text
    assert "customlabels approve digits.v2 --reason 'why'" in text
    assert "as a person holding the stack's ApproverAccess policy" in text
    assert "customlabels reject digits.v2 --reason 'why'" in text
    assert EVENT["executionArn"] in text


def test_without_a_champion_the_review_says_so() -> None:
    event = {**EVENT, "evaluation": {**EVENT["evaluation"], "championVersion": None, "labels": []}}
    assert "there is no champion yet" in review_message(event, "later")
