"""Local manifests and their images into the console bucket: source-refs rewritten, only changed images
uploaded on a re-run, and a missing image named before anything is uploaded."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from customlabels_cli.support.errors import CliError
from customlabels_cli.support.local_upload import upload
from tests.unit.cli.test_convert import png

BUCKET = "custom-labels-console-us-east-1-test"
PROJECT = "widgets"


def line(ref: str, label: str) -> str:
    return json.dumps({"source-ref": ref, "widget": 1, "widget-metadata": {
        "class-name": label, "confidence": 1, "type": "groundtruth/image-classification",
        "human-annotated": "yes", "creation-date": "2024-01-01T00:00:00", "job-name": "j"}})


@pytest.fixture
def s3(local_client):
    client = local_client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    images = (("cat/1.png", (200, 10, 10)), ("cat/2.png", (190, 20, 10)), ("dog/3.png", (10, 10, 200)),
              ("dog/4.png", (20, 10, 190)))
    for name, colour in images:
        (tmp_path / "imgs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "imgs" / name).write_bytes(png(colour))
    return tmp_path


def keys(s3, prefix: str) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])}


def test_relative_refs_are_uploaded_and_rewritten_and_a_rerun_uploads_only_what_changed(s3, folder):
    manifest = folder / "train.manifest"
    manifest.write_text("\n".join([line("imgs/cat/1.png", "cat"), line("imgs/cat/2.png", "cat"),
                                   line("imgs/dog/3.png", "dog"), line("imgs/dog/4.png", "dog")]) + "\n")
    first_time = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    training, testing = upload(s3, BUCKET, PROJECT, str(manifest), None, None, io.StringIO(), now=first_time)
    run = "datasets/widgets/20260102T030405000Z/"
    assert (training, testing) == (f"s3://{BUCKET}/{run}train.manifest", None)
    assert keys(s3, run) == {f"{run}{name}" for name in (
        "train.manifest", "upload-index.json", "images/imgs/cat/1.png", "images/imgs/cat/2.png",
        "images/imgs/dog/3.png", "images/imgs/dog/4.png")}
    body = s3.get_object(Bucket=BUCKET, Key=f"{run}train.manifest")["Body"].read().decode()
    assert [json.loads(text)["source-ref"] for text in body.splitlines()] == [
        f"s3://{BUCKET}/{run}images/imgs/{name}"
        for name in ("cat/1.png", "cat/2.png", "dog/3.png", "dog/4.png")]

    (folder / "imgs/dog/3.png").write_bytes(png((0, 0, 90)))
    uploaded: list[str] = []
    original = s3.put_object
    s3.put_object = lambda **kwargs: uploaded.append(kwargs["Key"]) or original(**kwargs)
    out = io.StringIO()
    upload(s3, BUCKET, PROJECT, str(manifest), None, None, out, now=datetime(2026, 1, 3, tzinfo=UTC))
    again = "datasets/widgets/20260103T000000000Z/"
    assert [key for key in uploaded if "/images/" in key] == [f"{again}images/imgs/dog/3.png"]
    assert len(keys(s3, again + "images/")) == 4  # the three unchanged ones were copied inside S3
    assert "1 image(s)" in out.getvalue() and "3 unchanged image(s) copied in S3" in out.getvalue()


def test_s3_refs_are_found_in_the_images_folder_by_the_end_of_their_key(s3, folder):
    manifest = folder / "gt.manifest"
    manifest.write_text("".join(line(f"s3://labeling-bucket/job/input/{name}", name.split("/")[0]) + "\n"
                                for name in ("cat/1.png", "cat/2.png", "dog/3.png", "dog/4.png")))
    training, _ = upload(s3, BUCKET, PROJECT, str(manifest), None, folder / "imgs", io.StringIO())
    body = s3.get_object(Bucket=BUCKET, Key=training.split("/", 3)[3])["Body"].read()
    ref = json.loads(body.splitlines()[0])["source-ref"]
    assert ref.endswith("/images/cat/1.png") and ref.startswith(f"s3://{BUCKET}/datasets/widgets/")


def test_missing_images_are_named_and_nothing_is_uploaded(s3, folder):
    manifest = folder / "train.manifest"
    manifest.write_text(line("imgs/cat/1.png", "cat") + "\n" + line("imgs/cow/9.png", "cow") + "\n")
    with pytest.raises(CliError) as caught:
        upload(s3, BUCKET, PROJECT, str(manifest), None, None, io.StringIO())
    assert "imgs/cow/9.png" in caught.value.message and "--images" in caught.value.fix
    assert keys(s3, "datasets/") == set()


def test_a_manifest_that_cannot_train_is_refused_before_anything_is_uploaded(s3, folder):
    manifest = folder / "typo.manifest"
    manifest.write_text(line("imgs/cat/1.png", "cat").replace('"class-name"', '"class-nmae"') + "\n"
                        + line("imgs/dog/3.png", "dog") + "\n")
    out = io.StringIO()
    assert upload(s3, BUCKET, PROJECT, str(manifest), None, None, out) is None
    assert "nothing was uploaded or started" in out.getvalue()
    assert '"class-nmae": did you mean "class-name"?' in out.getvalue()
    assert keys(s3, "datasets/") == set()
