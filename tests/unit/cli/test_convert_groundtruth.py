"""`customlabels convert groundtruth-multilabel|groundtruth-verification`, from the formats the SageMaker
Ground Truth documentation shows; every output must pass `customlabels validate`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from customlabels_cli.main import main
from tests.unit.cli.test_convert import png

DOC_BUCKET = "amzn-s3-demo-bucket"
# The multi-label image classification output of "Labeling job output data" (SageMaker Ground Truth).
MULTILABEL_DOC_LINE = {
    "source-ref": f"s3://{DOC_BUCKET}/example_image.jpg",
    "image-label-attribute-name": [1, 4],
    "image-label-attribute-name-metadata": {
        "job-name": "labeling-job/image-label-attribute-name",
        "class-map": {"1": "Bicycle", "0": "Motorcycle", "4": "Scooter", "3": "Truck", "2": "Car"},
        "human-annotated": "yes",
        "creation-date": "2020-03-09T21:05:21.813290",
        "type": "groundtruth/image-classification-multilabel",
        "confidence-map": {"1": 0.95, "4": 0.59},
    },
}


def multilabel_job(*class_ids: list[int]) -> list[dict]:
    """The documented line, then one more line in its format per list of class ids (image-N.jpg)."""
    lines = [MULTILABEL_DOC_LINE]
    for number, ids in enumerate(class_ids):
        line = copy.deepcopy(MULTILABEL_DOC_LINE)
        line["source-ref"] = f"s3://{DOC_BUCKET}/image-{number}.jpg"
        line["image-label-attribute-name"] = ids
        line["image-label-attribute-name-metadata"]["confidence-map"] = {str(i): 0.9 for i in ids}
        lines.append(line)
    return lines


BOXES = {
    "bounding-box": {"image_size": [{"width": 640, "height": 480, "depth": 3}],
                     "annotations": [{"class_id": 0, "top": 65, "left": 86, "width": 220, "height": 334}]},
    "bounding-box-metadata": {"objects": [{"confidence": 0.8}], "class-map": {"0": "bird"},
                              "type": "groundtruth/object-detection", "human-annotated": "no",
                              "creation-date": "2018-10-18T22:18:13.527256", "job-name": "boxes"},
}


def verified(name: str, answer: str, by_person: str = "yes") -> dict:
    """The label verification output of "Label verification and adjustment data in the output manifest"."""
    return {
        "source-ref": f"s3://{DOC_BUCKET}/{name}", **copy.deepcopy(BOXES),
        "verify-bounding-box": "1",
        "verify-bounding-box-metadata": {
            "class-name": answer, "confidence": 0.93, "type": "groundtruth/label-verification",
            "job-name": "verify-bounding-boxes", "human-annotated": by_person,
            "creation-date": "2018-10-18T22:18:13.527256",
            "worker-feedback": [{"comment": "The bounding box on the bird is too wide on the right side."}]},
    }


def adjusted(name: str, status: str, by_person: str = "yes") -> dict:
    line = {"source-ref": f"s3://{DOC_BUCKET}/{name}", **copy.deepcopy(BOXES)}
    line["adjusted-box"] = copy.deepcopy(BOXES["bounding-box"])
    line["adjusted-box"]["annotations"][0]["width"] = 180
    line["adjusted-box-metadata"] = {**BOXES["bounding-box-metadata"], "human-annotated": by_person,
                                     "adjustment-status": status, "job-name": "adjust-boxes"}
    return line


def write_lines(path: Path, lines: list[dict]) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_documented_multilabel_output_becomes_one_attribute_per_label(local_client, tmp_path, capsys):
    s3 = local_client("s3")
    s3.create_bucket(Bucket=DOC_BUCKET)
    job = multilabel_job([4], [1, 2], [2, 0], [0])
    for line in job:
        s3.put_object(Bucket=DOC_BUCKET, Key=line["source-ref"].rsplit("/", 1)[1], Body=png())
    source = write_lines(tmp_path / "output.manifest", job)
    output = tmp_path / "multi.manifest"
    assert main(["convert", "groundtruth-multilabel", source, str(output)]) == 0
    line = read_lines(output)[0]
    assert line == {
        "source-ref": f"s3://{DOC_BUCKET}/example_image.jpg",
        "image-label-attribute-name0": 0,
        "image-label-attribute-name0-metadata": {
            "class-name": "Bicycle", "confidence": 0.95, "type": "groundtruth/image-classification",
            "job-name": "labeling-job/image-label-attribute-name", "human-annotated": "yes",
            "creation-date": "2020-03-09T21:05:21.813290"},
        "image-label-attribute-name1": 1,
        "image-label-attribute-name1-metadata": {
            "class-name": "Scooter", "confidence": 0.59, "type": "groundtruth/image-classification",
            "job-name": "labeling-job/image-label-attribute-name", "human-annotated": "yes",
            "creation-date": "2020-03-09T21:05:21.813290"},
    }
    assert "5 images, 4 labels (Bicycle, Car, Motorcycle, Scooter)" in capsys.readouterr().out
    assert main(["validate", str(output)]) == 0  # the image checks too, on (moto) S3


def test_multilabel_lines_with_no_label_or_an_unknown_class_are_skipped_with_the_reason(tmp_path, capsys):
    empty = {**copy.deepcopy(MULTILABEL_DOC_LINE), "source-ref": f"s3://{DOC_BUCKET}/b.jpg"}
    empty["image-label-attribute-name"] = []
    unknown = {**copy.deepcopy(MULTILABEL_DOC_LINE), "source-ref": f"s3://{DOC_BUCKET}/c.jpg"}
    unknown["image-label-attribute-name"] = [9]
    source = write_lines(tmp_path / "job.manifest", [*multilabel_job([1, 4]), empty, unknown])
    assert main(["convert", "groundtruth-multilabel", source, str(tmp_path / "out.manifest")]) == 0
    out = capsys.readouterr().out
    assert "line 3: the worker chose no label" in out and "line 4: class id 9" in out


def test_the_default_output_name_follows_the_guide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = write_lines(tmp_path / "output.manifest", multilabel_job([1, 4]))
    assert main(["convert", "groundtruth-multilabel", source]) == 0
    assert (tmp_path / "custom_labels_output.manifest").is_file()


def test_verification_keeps_only_what_a_person_confirmed_or_adjusted(tmp_path, capsys):
    lines = [verified("good.jpg", "good"), verified("bad.jpg", "bad"), verified("auto.jpg", "good", "no"),
             adjusted("fixed.jpg", "adjusted"), adjusted("looked.jpg", "unadjusted"),
             adjusted("machine.jpg", "adjusted", by_person="no"),
             {"source-ref": f"s3://{DOC_BUCKET}/plain.jpg", **BOXES}]
    output = tmp_path / "checked.manifest"
    assert main(["convert", "groundtruth-verification", write_lines(tmp_path / "o.manifest", lines),
                 str(output)]) == 0
    kept = {line["source-ref"].rsplit("/", 1)[1]: sorted(line) for line in read_lines(output)}
    assert kept == {
        "good.jpg": ["bounding-box", "bounding-box-metadata", "source-ref"],
        "fixed.jpg": ["adjusted-box", "adjusted-box-metadata", "source-ref"],
        "looked.jpg": ["adjusted-box", "adjusted-box-metadata", "source-ref"],
    }
    out = capsys.readouterr().out
    assert "line 2: a person answered 'bad' in verify-bounding-box" in out
    assert "line 3: verify-bounding-box was not answered by a person" in out
    assert "line 7: no verification answer and no adjusted label" in out
    assert "Validated" in out


def test_verification_answers_can_be_named(tmp_path, capsys):
    source = write_lines(tmp_path / "o.manifest", [verified("a.jpg", "Label is correct")])
    assert main(["convert", "groundtruth-verification", source, str(tmp_path / "x.manifest")]) == 2
    err = capsys.readouterr().err
    assert "no line holds a label a person confirmed" in err and "fix: " in err and "--accept" in err
    assert main(["convert", "groundtruth-verification", source, str(tmp_path / "x.manifest"),
                 "--accept", "label is correct"]) == 1  # converted; one label is too few to train
    assert "ERROR_MANIFEST_TOO_FEW_LABELS" not in capsys.readouterr().out  # object localization needs one


def test_help_speaks_plainly_and_errors_carry_a_fix(tmp_path, capsys):
    for command in (["convert", "--help"], ["convert", "csv", "--help"], ["convert", "coco", "--help"]):
        with pytest.raises(SystemExit):
            main(command)
        text = capsys.readouterr().out
        assert "spec" not in text and "§" not in text
    assert main(["convert", "coco", str(tmp_path / "missing.json"), "-o", str(tmp_path / "o.manifest")]) == 2
    assert capsys.readouterr().err.splitlines()[1].startswith("  fix: ")
    assert main(["convert", "groundtruth-multilabel", str(tmp_path / "none.manifest")]) == 2
    assert "  fix: " in capsys.readouterr().err
