"""`customlabels feedback` on moto: export the review set, import filled answers (bad lines reported,
the rest kept) into a merged, dated training manifest with lineage and the retraining trigger."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from customlabels.feedback.lineage import Lineage
from customlabels.feedback.review import ReviewSet
from customlabels.training.registry import Registry
from customlabels_cli.main import main
from tests.fixtures.tables import create_registry_table

PROJECT, CONSOLE, INFERENCE = "digits", "console", "inference"
BASE = f"s3://{CONSOLE}/datasets/digits/train.manifest"
MODEL = "arn:aws:rekognition:us-east-1:123456789012:project/digits/version/digits.v1/1"


def label_line(ref: str, label: str) -> dict[str, Any]:
    return {"source-ref": ref, "digit": 0, "digit-metadata": {
        "class-name": label, "confidence": 1, "type": "groundtruth/image-classification",
        "human-annotated": "yes", "job-name": "labeling-job/digits", "creation-date": "2024-01-01T00:00:00"}}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "t"),
                        ("AWS_SECRET_ACCESS_KEY", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    with mock_aws():
        s3 = boto3.client("s3")
        for bucket in (CONSOLE, INFERENCE):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        create_registry_table(boto3.client("dynamodb"))
        base = [label_line(f"s3://{CONSOLE}/datasets/digits/images/{d}.png", str(d)) for d in range(3)]
        s3.put_object(Bucket=CONSOLE, Key="datasets/digits/train.manifest",
                      Body="".join(json.dumps(line) + "\n" for line in base).encode())
        registry = Registry("registry")
        registry.put_version({"project": PROJECT, "versionName": "digits.v1", "trainingManifest": BASE})
        registry.set_champion(PROJECT, "digits.v1", MODEL, 0.5)
        review = ReviewSet(s3, INFERENCE, PROJECT, below=60.0)
        for second, (name, confidence) in enumerate((("a", 40.0), ("c", 20.0), ("b", 55.0))):
            put = s3.put_object(Bucket=INFERENCE, Key=f"uploads/{name}.png", Body=b"png " + name.encode())
            review.collect({
                "image": {"bucket": INFERENCE, "key": f"uploads/{name}.png", "version": put["VersionId"],
                          "versionId": put["VersionId"], "width": 64, "height": 64},
                "modelVersionArn": MODEL, "finishedAt": f"2026-01-01T00:00:0{second}Z",
                "labels": [{"name": "1", "confidence": confidence}],
            }, f"s3://{INFERENCE}/results/{name}.png.json")
        outputs = tmp_path / "outputs.json"
        outputs.write_text(json.dumps({"ProjectName": PROJECT, "ConsoleBucketName": CONSOLE,
                                       "InferenceBucketName": INFERENCE, "RegistryTableName": "registry",
                                       "RetrainAfterImages": "10", "ReviewBelowConfidence": "60"}))
        yield {"s3": s3, "registry": registry, "outputs": str(outputs)}


def cli(stack: dict[str, Any], *arguments: str) -> int:
    return main(["feedback", *arguments, "--outputs", stack["outputs"]])


def status(stack: dict[str, Any], capsys) -> dict[str, Any]:
    capsys.readouterr()
    assert cli(stack, "status", "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_export_then_import_merges_the_answers_and_reports_the_bad_lines(stack, capsys) -> None:
    assert cli(stack, "export", "--output", "review.csv") == 0
    rows = list(csv.reader(io.StringIO(Path("review.csv").read_text())))
    assert [row[0] for row in rows[1:]] == [f"s3://{INFERENCE}/uploads/{n}.png" for n in ("a", "c", "b")]
    assert status(stack, capsys)["inReview"] == 3
    filled = [rows[0], [*rows[1][:3], "7"], [*rows[2][:3], ""], [*rows[3][:3], "seven"],
              [f"s3://{INFERENCE}/uploads/unknown.png", "1", "30", "1"]]
    with Path("answers.csv").open("w", newline="") as file:
        csv.writer(file).writerows(filled)

    assert cli(stack, "import", "answers.csv") == 0
    out = capsys.readouterr().out
    assert "not imported: row 3: empty correct label" in out
    assert f"not imported: row 5: unknown image reference s3://{INFERENCE}/uploads/unknown.png" in out
    assert "imported 2 image(s)" in out and "new labels: 7, seven" in out

    [item] = Lineage(stack["registry"]).imports(PROJECT)
    assert item["images"] == [f"s3://{INFERENCE}/uploads/a.png", f"s3://{INFERENCE}/uploads/b.png"]
    assert item["baseManifest"] == BASE and item["newLabels"] == ["7", "seven"] and item["exports"]
    merged = stack["s3"].get_object(Bucket=CONSOLE, Key=item["trainingManifest"].split(f"{CONSOLE}/")[1])
    lines = [json.loads(line) for line in merged["Body"].read().decode().splitlines()]
    assert len(lines) == 5 and lines[3]["source-ref"].endswith("/feedback/images/inference/uploads/a.png")
    assert [line["digit-metadata"]["class-name"] for line in lines] == ["0", "1", "2", "7", "seven"]
    copied = lines[3]["source-ref"].split(f"{CONSOLE}/")[1]
    assert stack["s3"].get_object(Bucket=CONSOLE, Key=copied)["Body"].read() == b"png a"
    trigger = stack["s3"].list_objects_v2(Bucket=CONSOLE, Prefix="datasets/digits/feedback/imports/")
    assert [o["Key"].endswith(f"{item['importId']}.json") for o in trigger["Contents"]] == [True]

    now = status(stack, capsys)
    assert (now["open"], now["inReview"], now["imported"]) == (0, 1, 2)
    assert now["imagesSinceLastTraining"] == 2 and now["newLabels"] == ["7", "seven"]


def test_an_answer_file_with_nothing_usable_imports_nothing(stack, capsys) -> None:
    header = "image,predicted label,confidence,correct label"
    Path("answers.csv").write_text(f"{header}\ns3://{INFERENCE}/x.png,1,2,3\n")
    assert cli(stack, "import", "answers.csv") == 1
    assert "nothing imported (1 line(s) reported)" in capsys.readouterr().out
    assert Lineage(stack["registry"]).imports(PROJECT) == []


def test_export_limit_and_add_by_hand(stack, capsys) -> None:
    stack["s3"].put_object(Bucket=INFERENCE, Key="uploads/extra.png", Body=b"png")
    assert cli(stack, "add", f"s3://{INFERENCE}/uploads/extra.png") == 0
    assert status(stack, capsys)["open"] == 4
    assert cli(stack, "add", f"s3://{INFERENCE}/uploads/a.png") == 0  # the model's entry is kept
    assert "already in the review set" in capsys.readouterr().out
    assert status(stack, capsys)["open"] == 4
    assert cli(stack, "export", "--limit", "2", "--format", "groundtruth", "--output", "job.manifest") == 0
    lines = [json.loads(line) for line in Path("job.manifest").read_text().splitlines()]
    assert len(lines) == 2 and lines[0]["model-prediction-metadata"]["class-name"] == "1"
    assert status(stack, capsys)["open"] == 2


def test_status_says_what_waits_and_when_retraining_starts(stack, capsys) -> None:
    capsys.readouterr()
    assert cli(stack, "status") == 0
    out = capsys.readouterr().out
    assert "review set: 3 open, 0 in review, 0 imported (collecting results below 60)" in out
    assert "0 corrected image(s) since the last training; retraining starts at 10" in out
