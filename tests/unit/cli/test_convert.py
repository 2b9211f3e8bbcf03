"""`customlabels convert folders|csv|coco`: what lands in the manifest, what is skipped and why, and
that every manifest written passes `customlabels validate` (including the image checks, on moto S3)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from customlabels_cli.main import main

BUCKET = "images"


def png(colour: tuple[int, int, int] = (20, 90, 200), size: tuple[int, int] = (96, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def manifest_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def class_names(line: dict) -> set[str]:
    return {value["class-name"] for key, value in line.items() if key.endswith("-metadata")}


@pytest.fixture
def s3(local_client):
    client = local_client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def upload(s3, keys: list[str]) -> None:
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=png())


# ---------------------------------------------------------------- folders
def test_folders_from_s3_label_each_image_with_its_first_level_folder(s3, tmp_path, capsys):
    upload(
        s3,
        [
            "devices/speaker/a.png",
            "devices/speaker/b.PNG",
            "devices/hub/white-hub/c.jpg",
            "devices/hub/d.png",
            "devices/loose.png",
            "devices/hub/notes.txt",
        ],
    )
    output = tmp_path / "devices.manifest"
    assert main(["convert", "folders", f"s3://{BUCKET}/devices/", "-o", str(output)]) == 0
    labels = {line["source-ref"]: class_names(line) for line in manifest_lines(output)}
    assert labels == {
        f"s3://{BUCKET}/devices/hub/d.png": {"hub"},
        f"s3://{BUCKET}/devices/hub/white-hub/c.jpg": {"hub"},
        f"s3://{BUCKET}/devices/speaker/a.png": {"speaker"},
        f"s3://{BUCKET}/devices/speaker/b.PNG": {"speaker"},
    }
    out = capsys.readouterr().out
    assert "4 images, 2 labels" in out and "Skipped 2" in out
    assert "loose.png: directly in the top folder" in out and "notes.txt: not a .jpg" in out
    assert main(["validate", str(output)]) == 0  # with the image checks, against S3


def test_folders_from_a_local_folder_need_the_s3_path(tmp_path, capsys):
    for relative in ("cat/1.png", "cat/2.png", "dog/3.png", "dog/4.png"):
        (tmp_path / "imgs" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "imgs" / relative).write_bytes(png())
    output = tmp_path / "out.manifest"
    assert main(["convert", "folders", str(tmp_path / "imgs"), "-o", str(output)]) == 2
    assert "--s3-path" in capsys.readouterr().err
    assert not output.exists()
    assert (
        main(["convert", "folders", str(tmp_path / "imgs"), "--s3-path", "s3://bkt/pets", "-o", str(output)])
        == 0
    )
    refs = sorted(line["source-ref"] for line in manifest_lines(output))
    assert refs == [f"s3://bkt/pets/{name}" for name in ("cat/1.png", "cat/2.png", "dog/3.png", "dog/4.png")]
    assert main(["validate", str(output), "--skip-images"]) == 0


def test_folders_with_a_single_label_is_written_but_cannot_train(tmp_path, capsys):
    (tmp_path / "imgs" / "cat").mkdir(parents=True)
    (tmp_path / "imgs" / "cat" / "1.png").write_bytes(png())
    output = tmp_path / "one.manifest"
    assert (
        main(["convert", "folders", str(tmp_path / "imgs"), "--s3-path", "s3://bkt/", "-o", str(output)]) == 1
    )
    assert output.exists() and "cannot train" in capsys.readouterr().out


def test_folders_output_must_be_a_manifest(tmp_path, capsys):
    (tmp_path / "imgs" / "cat").mkdir(parents=True)
    (tmp_path / "imgs" / "cat" / "1.png").write_bytes(png())
    assert (
        main(
            [
                "convert",
                "folders",
                str(tmp_path / "imgs"),
                "--s3-path",
                "s3://bkt/",
                "-o",
                str(tmp_path / "x.json"),
            ]
        )
        == 2
    )
    assert ".manifest" in capsys.readouterr().err


# ---------------------------------------------------------------- CSV
def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_csv_single_and_multi_label_rows_become_image_level_lines(tmp_path, capsys):
    source = write_csv(
        tmp_path / "labels.csv",
        [["a.jpg", "cat"], ["b.jpg", "dog", "", "toy"], [], ["c.jpg", "dog"], ["d.jpg", "cat", "toy"]],
    )
    assert main(["convert", "csv", str(source), "--s3-path", "s3://bkt/pets/"]) == 0
    lines = manifest_lines(tmp_path / "labels.manifest")
    assert [line["source-ref"] for line in lines] == [
        "s3://bkt/pets/a.jpg",
        "s3://bkt/pets/b.jpg",
        "s3://bkt/pets/c.jpg",
        "s3://bkt/pets/d.jpg",
    ]
    assert [class_names(line) for line in lines] == [{"cat"}, {"dog", "toy"}, {"dog"}, {"cat", "toy"}]
    second = lines[1]
    assert second["toy"] == 1 and second["toy-metadata"]["job-name"] == "labeling-job/toy"
    assert second["toy-metadata"]["type"] == "groundtruth/image-classification"
    assert main(["validate", str(tmp_path / "labels.manifest"), "--skip-images"]) == 0


def test_csv_with_a_repeated_image_writes_the_helper_files_and_no_manifest(tmp_path, capsys):
    source = write_csv(tmp_path / "labels.csv", [["a.jpg", "cat"], ["b.jpg", "dog"], ["a.jpg", "toy"]])
    assert main(["convert", "csv", str(source), "--s3-path", "s3://bkt/"]) == 1
    assert not (tmp_path / "labels.manifest").exists()
    assert (tmp_path / "labels-deduplicated.csv").read_text().split() == ["a.jpg,cat", "b.jpg,dog"]
    assert (tmp_path / "labels-duplicates.csv").read_text().split() == ["a.jpg,toy"]
    assert "1 row(s) list an image already listed" in capsys.readouterr().out
    write_csv(source, [["a.jpg", "cat", "toy"], ["b.jpg", "dog"], ["c.jpg", "dog", "toy"], ["d.jpg", "cat"]])
    assert main(["convert", "csv", str(source), "--s3-path", "s3://bkt/"]) == 0
    assert not (tmp_path / "labels-duplicates.csv").exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["a.jpg", "cat"], ["s3://bkt/b.jpg", "dog"]], "mixes file names and s3:// URIs"),
        ([["a.jpg", "cat"]], "pass --s3-path"),
        ([["s3://bkt/a.jpg", "source-ref"]], "row 1"),
    ],
)
def test_csv_errors_say_what_to_fix(tmp_path, capsys, rows, message):
    source = write_csv(tmp_path / "bad.csv", rows)
    assert main(["convert", "csv", str(source)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "bad.manifest").exists()


# ---------------------------------------------------------------- COCO
COCO = {
    "info": {},
    "licenses": [],
    "images": [
        {
            "id": 1,
            "width": 640,
            "height": 480,
            "file_name": "one.jpg",
            "date_captured": "2013-11-18 02:53:27",
        },
        {
            "id": 2,
            "width": 320,
            "height": 240,
            "file_name": "two.jpg",
            "date_captured": "2013-11-18 03:00:00",
        },
        {
            "id": 3,
            "width": 320,
            "height": 240,
            "file_name": "empty.jpg",
            "date_captured": "2013-11-18 03:00:00",
        },
    ],
    "annotations": [
        {"id": 10, "image_id": 1, "category_id": 18, "bbox": [10, 20, 100, 50], "iscrowd": 0},
        {"id": 11, "image_id": 1, "category_id": 3, "bbox": [200, 100, 60, 60], "iscrowd": 0},
        {"id": 12, "image_id": 2, "category_id": 18, "bbox": [5, 5, 40, 40], "iscrowd": 0},
        {"id": 14, "image_id": 2, "category_id": 3, "bbox": [100, 50, 40, 40], "iscrowd": 0},
        {"id": 13, "image_id": 9, "category_id": 18, "bbox": [5, 5, 40, 40], "iscrowd": 0},
    ],
    "categories": [{"id": 18, "name": "dog", "supercategory": "animal"}, {"id": 3, "name": "car"}],
}


def boxes(line: dict) -> list[tuple[str, int, int, int, int]]:
    class_map = line["bounding-box-metadata"]["class-map"]
    return [
        (class_map[str(a["class_id"])], a["left"], a["top"], a["width"], a["height"])
        for a in line["bounding-box"]["annotations"]
    ]


def test_coco_gives_one_line_per_image_with_its_boxes(tmp_path, capsys):
    source = tmp_path / "coco.json"
    source.write_text(json.dumps(COCO))
    output = tmp_path / "coco.manifest"
    assert main(["convert", "coco", str(source), "--s3-path", "s3://bkt/coco", "-o", str(output)]) == 0
    lines = {line["source-ref"]: line for line in manifest_lines(output)}
    assert list(lines) == ["s3://bkt/coco/one.jpg", "s3://bkt/coco/two.jpg", "s3://bkt/coco/empty.jpg"]
    one = lines["s3://bkt/coco/one.jpg"]
    assert boxes(one) == [("dog", 10, 20, 100, 50), ("car", 200, 100, 60, 60)]
    assert one["bounding-box"]["image_size"] == [{"width": 640, "height": 480, "depth": 3}]
    assert one["bounding-box-metadata"]["objects"] == [{"confidence": 1}, {"confidence": 1}]
    assert one["bounding-box-metadata"]["creation-date"] == "2013-11-18T02:53:27"
    assert boxes(lines["s3://bkt/coco/empty.jpg"]) == []
    out = capsys.readouterr().out
    assert "3 images, 2 labels" in out and "annotations[4]: image_id 9 is not in images" in out
    assert main(["validate", str(output), "--skip-images"]) == 0


def test_coco_prefers_an_s3_coco_url(tmp_path):
    document = {
        **COCO,
        "images": [{**image, "coco_url": f"s3://elsewhere/{image['file_name']}"} for image in COCO["images"]],
    }
    (tmp_path / "coco.json").write_text(json.dumps(document))
    assert main(["convert", "coco", str(tmp_path / "coco.json"), "-o", str(tmp_path / "c.manifest")]) == 0
    assert manifest_lines(tmp_path / "c.manifest")[0]["source-ref"] == "s3://elsewhere/one.jpg"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not a JSON file"),
        (json.dumps({"images": []}), "has no annotations list"),
        (json.dumps({**COCO, "images": [{"id": 1, "file_name": "x.jpg"}]}), "images[0] lacks width, height"),
    ],
)
def test_coco_errors_say_what_to_fix(tmp_path, capsys, text, message):
    (tmp_path / "coco.json").write_text(text)
    assert (
        main(
            [
                "convert",
                "coco",
                str(tmp_path / "coco.json"),
                "--s3-path",
                "s3://bkt/",
                "-o",
                str(tmp_path / "c.manifest"),
            ]
        )
        == 2
    )
    assert message in capsys.readouterr().err
