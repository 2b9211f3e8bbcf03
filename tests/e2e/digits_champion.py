"""A served stack with a digits champion (trained with a test set, so it has an evaluation snapshot),
the CLI pointed at it, and uploads through the detect path: shared by the monitoring e2e modules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from customlabels.training.registry import Registry
from customlabels_cli.main import main
from local.samples import Sample, digit_samples, ensure_bucket, write_samples
from local.stack import DeployedStack
from local.synth import StackArtifact
from tests.e2e.harness import running_stack, train_directly, until, version_status

PROJECT = "customlabels"
TRAINING_IMAGES = 300


@contextmanager
def digits_champion(
    artifact: StackArtifact, folder: Path, also: tuple[str, ...] = ()
) -> Iterator[DeployedStack]:
    """A stack of its own with version v1 the champion; each of ``also`` is one more trained version of
    the same datasets."""
    with running_stack(artifact) as stack, champion_on(stack, folder, also):
        yield stack


@contextmanager
def champion_on(stack: DeployedStack, folder: Path, also: tuple[str, ...] = ()) -> Iterator[DeployedStack]:
    """Version v1 trained on ``stack`` and made the champion, the CLI pointed at the stack for the block."""
    with pytest.MonkeyPatch.context() as env:
        s3, bucket, rekognition = (
            stack.client("s3"),
            stack.outputs["ConsoleBucketName"],
            stack.client("rekognition"),
        )
        ensure_bucket(s3, bucket)
        manifests = write_samples(s3, digit_samples(TRAINING_IMAGES), bucket, f"datasets/{PROJECT}")
        output = f"s3://{bucket}/training-output/{PROJECT}/"
        arn = train_directly(rekognition, manifests, PROJECT, "v1", output)
        project_arn = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0][
            "ProjectArn"
        ]
        for version in also:
            rekognition.create_project_version(
                ProjectArn=project_arn,
                VersionName=version,
                OutputConfig={"S3Bucket": bucket, "S3KeyPrefix": f"training-output/{PROJECT}/"},
            )
            until(
                lambda v=version: version_status(rekognition, project_arn, v) == "TRAINING_COMPLETED",
                300,
                version,
            )
        dynamodb = stack.session.resource("dynamodb", endpoint_url=stack.endpoint_url)
        Registry(stack.outputs["RegistryTableName"], dynamodb).set_champion(PROJECT, "v1", arn, 0.9)
        outputs = folder / "outputs.json"
        outputs.write_text(json.dumps(stack.outputs))
        env.setenv("AWS_ENDPOINT_URL", stack.endpoint_url)
        env.setenv("CUSTOMLABELS_OUTPUTS", str(outputs))
        yield stack


def upload(stack: DeployedStack, batch: str, samples: list[Sample]) -> None:
    s3, bucket = stack.client("s3"), stack.outputs["InferenceBucketName"]
    for sample in samples:
        s3.put_object(Bucket=bucket, Key=f"uploads/{batch}/{sample.name}", Body=sample.png)
    assert stack.sources.wait_until_drained(240), "the upload queue did not drain"


def usual_mix(count: int) -> list[Sample]:
    """Equally many of each digit: the mix of the test set."""
    per_digit: dict[str, list[Sample]] = {}
    for sample in digit_samples(None, seed=99):
        per_digit.setdefault(sample.line["digit-metadata"]["class-name"], []).append(sample)
    return [per_digit[digit][index] for index in range(count // 10) for digit in sorted(per_digit)]


def cli_output(capsys, *arguments: str, code: int = 0) -> str:
    """What the command printed: the in-process Lambda's log and metric lines (one JSON object a line)
    reach the same stdout here, where a served endpoint would print them in its own process."""
    capsys.readouterr()
    assert main(list(arguments)) == code
    captured = capsys.readouterr()
    return "\n".join(line for line in (captured.out + captured.err).splitlines() if not _log_line(line))


def _log_line(line: str) -> bool:
    try:
        return line.startswith("{") and isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False
