"""Drift offline: a digits champion trained with a test set, uploads through the detect path, then
`customlabels monitor --json` (which runs the stack's drift check function) and the drift alarm,
evaluated by the local CloudWatch (local/alarm_evaluation.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from customlabels.training.registry import Registry
from customlabels_cli.main import main
from local import alarm_evaluation
from local.samples import digit_samples, ensure_bucket, write_samples
from local.stack import REGION, LocalStack
from tests.e2e.harness import running_stack, train_directly

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PROJECT = "customlabels"
TRAINING_IMAGES = 300
UPLOADS = 40


@pytest.fixture(scope="module")
def champion(stack_artifact, tmp_path_factory) -> Iterator[LocalStack]:
    with running_stack(stack_artifact) as stack, pytest.MonkeyPatch.context() as env:
        s3, bucket = stack.client("s3"), stack.outputs["ConsoleBucketName"]
        ensure_bucket(s3, bucket)
        manifests = write_samples(s3, digit_samples(TRAINING_IMAGES), bucket, f"datasets/{PROJECT}")
        output = f"s3://{bucket}/training-output/{PROJECT}/"
        arn = train_directly(stack.client("rekognition"), manifests, PROJECT, "v1", output)
        registry = Registry(
            stack.outputs["RegistryTableName"],
            stack.session.resource("dynamodb", endpoint_url=stack.endpoint_url),
        )
        registry.set_champion(PROJECT, "v1", arn, 0.9)
        outputs = tmp_path_factory.mktemp("monitor") / "outputs.json"
        outputs.write_text(json.dumps(stack.outputs))
        env.setenv("AWS_ENDPOINT_URL", stack.endpoint_url)
        env.setenv("CUSTOMLABELS_OUTPUTS", str(outputs))
        yield stack


def upload(stack: LocalStack, batch: str, samples: list) -> None:
    s3, bucket = stack.client("s3"), stack.outputs["InferenceBucketName"]
    for sample in samples:
        s3.put_object(Bucket=bucket, Key=f"uploads/{batch}/{sample.name}", Body=sample.png)
    assert stack.sources.wait_until_drained(240), "the upload queue did not drain"


def cli_output(capsys, *arguments: str) -> str:
    """What the command printed: the in-process Lambda's log and metric lines (one JSON object a line)
    reach the same stdout here, where a served endpoint would print them in its own process."""
    capsys.readouterr()
    assert main(list(arguments)) == 0
    return "\n".join(line for line in capsys.readouterr().out.splitlines() if not _log_line(line))


def _log_line(line: str) -> bool:
    try:
        return line.startswith("{") and isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def monitor(capsys) -> dict:
    return json.loads(cli_output(capsys, "monitor", "--json"))


def drift_alarm(stack: LocalStack) -> str:
    alarm_evaluation.evaluate(stack.deployment.account_id, REGION)
    (alarm,) = stack.client("cloudwatch").describe_alarms(AlarmNames=[stack.outputs["DriftAlarmName"]])[
        "MetricAlarms"
    ]
    return alarm["StateValue"]


def usual_mix(count: int) -> list:
    """Digits the model was not trained on, four of each: the mix of the test set."""
    per_digit: dict[str, list] = {}
    for sample in digit_samples(None, seed=99):
        digit = sample.line["digit-metadata"]["class-name"]
        per_digit.setdefault(digit, []).append(sample)
    return [per_digit[digit][index] for index in range(count // 10) for digit in sorted(per_digit)]


def test_the_usual_mix_is_no_drift_and_one_digit_only_is(champion: LocalStack, capsys) -> None:
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
    assert report["drift"] and "label mix moved" in report["reasons"][0]
    seven = next(label for label in report["labels"] if label["label"] == "7")
    assert seven["windowShare"] > 0.4 > seven["baselineShare"]
    assert drift_alarm(champion) == "ALARM"


def test_monitor_prints_the_verdict_the_figures_and_the_alarm(champion: LocalStack, capsys) -> None:
    out = cli_output(capsys, "monitor")
    assert "Drift of customlabels's champion v1: DRIFT (alarm ALARM)" in out
    assert "label-mix divergence" in out and "label mix moved" in out
