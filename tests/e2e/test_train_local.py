"""Training offline from a folder: a Ground Truth multi-label job output whose images were downloaded is
converted (`convert groundtruth-multilabel`) and trained with `train --training local.manifest --images
dir --wait`, which uploads the images, rewrites the source-refs, validates and runs the pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from customlabels_cli.main import main
from local.samples import digit_samples
from local.stack import DeployedStack

pytestmark = pytest.mark.e2e
LABELS = {**{str(digit): str(digit) for digit in range(10)}, "10": "even", "11": "odd"}


@pytest.fixture(scope="module")
def cli_env(deployed_stack: DeployedStack, tmp_path_factory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("outputs")
    outputs = folder / "outputs.json"
    outputs.write_text(json.dumps(deployed_stack.outputs))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", deployed_stack.endpoint_url)
        env.setenv("CUSTOMLABELS_OUTPUTS", str(outputs))
        env.delenv("AWS_PROFILE", raising=False)
        yield folder


def job_output(folder: Path) -> dict[str, Path]:
    """Each split's multi-label job output (digit and parity), its images downloaded under imgs/<split>/."""
    lines: dict[str, list[str]] = {"train": [], "test": []}
    for sample in digit_samples(100):
        image = folder / "imgs" / sample.split / sample.name
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(sample.png)
        digit = int(sample.line["digit-metadata"]["class-name"])
        lines[sample.split].append(json.dumps({
            "source-ref": f"s3://labeling-bucket/digits/{sample.split}/{sample.name}",
            "digits": [digit, 10 + digit % 2],
            "digits-metadata": {"job-name": "labeling-job/digits", "class-map": LABELS,
                                "confidence-map": {str(digit): 0.97, str(10 + digit % 2): 0.99},
                                "human-annotated": "yes", "creation-date": "2026-01-01T00:00:00.000000",
                                "type": "groundtruth/image-classification-multilabel"}}))
    paths = {}
    for split, split_lines in lines.items():
        paths[split] = folder / f"{split}-job.manifest"
        paths[split].write_text("\n".join(split_lines) + "\n")
    return paths


def test_train_a_converted_multilabel_job_from_a_local_folder(cli_env: Path, capsys):
    jobs = job_output(cli_env)
    for split, job in jobs.items():
        assert main(["convert", "groundtruth-multilabel", str(job), str(cli_env / f"{split}.manifest")]) == 0
    capsys.readouterr()
    code = main(["train", "--training", str(cli_env / "train.manifest"), "--testing",
                 str(cli_env / "test.manifest"), "--images", str(cli_env / "imgs"), "--version", "local-v1",
                 "--f1-threshold", "0", "--no-require-improvement", "--no-deploy", "--wait"])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code == 0, out
    assert "Uploaded to s3://custom-labels-console-" in out and "100 image(s)" in out
    assert "Validated (structure and images): training can proceed." in out and "SUCCEEDED after" in out
