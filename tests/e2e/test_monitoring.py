"""Drift offline: a digits champion trained with a test set, uploads through the detect path, then
`customlabels monitor --json` (which runs the stack's drift check function) and the drift alarm,
evaluated by the local CloudWatch (local/alarm_evaluation.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from local import alarm_evaluation
from local.samples import digit_samples
from local.stack import REGION, DeployedStack
from tests.e2e.digits_champion import cli_output, digits_champion, upload, usual_mix

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
UPLOADS = 40


@pytest.fixture(scope="module")
def champion(stack_artifact, tmp_path_factory) -> Iterator[DeployedStack]:
    with digits_champion(stack_artifact, tmp_path_factory.mktemp("monitor")) as stack:
        yield stack


def monitor(capsys) -> dict:
    return json.loads(cli_output(capsys, "monitor", "--json"))


def drift_alarm(stack: DeployedStack) -> str:
    alarm_evaluation.evaluate(stack.deployment.account_id, REGION)
    (alarm,) = stack.client("cloudwatch").describe_alarms(AlarmNames=[stack.outputs["DriftAlarmName"]])[
        "MetricAlarms"
    ]
    return alarm["StateValue"]


def test_the_usual_mix_is_no_drift_and_one_digit_only_is(champion: DeployedStack, capsys) -> None:
    upload(champion, "usual", usual_mix(UPLOADS))
    report = monitor(capsys)
    assert report["status"] == "CHECKED" and report["champion"] == "v1"
    assert report["windowImages"] == UPLOADS and report["judged"]
    assert not report["drift"], report["reasons"]
    shares = {label["label"]: label for label in report["labels"]}
    assert set(shares) >= {str(digit) for digit in range(10)}
    for label in shares.values():
        assert abs(label["shareChange"]) <= 0.1, label
    assert report["alarm"] != "ALARM" and drift_alarm(champion) == "OK"

    sevens = [s for s in digit_samples(None, seed=5) if s.line["digit-metadata"]["class-name"] == "7"]
    upload(champion, "sevens", sevens[:UPLOADS])
    report = monitor(capsys)
    assert report["windowImages"] == 2 * UPLOADS
    assert report["drift"] and report["reasons"]
    seven = next(label for label in report["labels"] if label["label"] == "7")
    assert seven["windowShare"] > 0.3 > seven["baselineShare"]
    assert drift_alarm(champion) == "ALARM"

    out = cli_output(capsys, "monitor")
    assert "Drift of customlabels's champion v1: DRIFT (alarm ALARM)" in out
    assert "label-mix divergence" in out and all(reason in out for reason in report["reasons"])
