"""What `customlabels feedback` exports for people and reads back from them: the CSV, the Ground Truth
verification / adjustment input, and the documented Ground Truth outputs as training lines."""

from __future__ import annotations

import csv
import io

from customlabels.manifest.builders import to_json_line
from customlabels.manifest.check_line import validate_line
from customlabels.manifest.line import Status
from customlabels_cli.feedback.answers import csv_answers, groundtruth_answers
from customlabels_cli.feedback.dataset_update import chunks
from customlabels_cli.feedback.export_files import PRIOR_ATTRIBUTE, csv_text, groundtruth_line
from tests.unit.cli.test_convert_groundtruth import DOC_BUCKET, adjusted, verified

IMAGE = "s3://inference/uploads/digit-7.png"
CLASSIFIED = {"image": IMAGE, "width": 64, "height": 64,
              "labels": [{"name": "1", "confidence": 38.2}, {"name": "7", "confidence": 45.5}]}
DETECTED = {"image": IMAGE, "width": 128, "height": 128, "labels": [{
    "name": "circle", "confidence": 51.0,
    "geometry": {"boundingBox": {}, "pixels": {"left": 10, "top": 20, "width": 30, "height": 40}}}]}
NOTHING = {"image": "s3://inference/uploads/blank.png", "labels": []}


def test_the_csv_has_the_top_prediction_and_an_empty_column_to_fill() -> None:
    rows = list(csv.reader(io.StringIO(csv_text([CLASSIFIED, NOTHING]))))
    assert rows == [
        ["image", "predicted label", "confidence", "correct label"],
        [IMAGE, "7", "45.5", ""],
        ["s3://inference/uploads/blank.png", "", "", ""],
    ]


def test_a_filled_csv_becomes_label_lines_and_bad_rows_are_reported_with_their_row() -> None:
    text = ("image,predicted label,confidence,correct label\n"
            f"{IMAGE},7,45.5,1\n"
            "s3://inference/uploads/blank.png,,,\n"
            ",3,50,3\n"
            "\n"
            "not-a-uri,3,50,3\n")
    answers = csv_answers(text, "digit")
    [(where, line)] = answers.lines
    assert where == "row 2" and line["source-ref"] == IMAGE
    assert line["digit"] == 1 and line["digit-metadata"]["class-name"] == "1"
    assert line["digit-metadata"]["human-annotated"] == "yes"
    assert [where for where, _ in answers.problems] == ["row 3", "row 4", "row 6"]
    assert "empty correct label" in answers.problems[0][1]
    assert "no image reference" in answers.problems[1][1]


def test_the_groundtruth_input_carries_the_prediction_as_the_prior_label() -> None:
    line = groundtruth_line(CLASSIFIED)
    assert line["source-ref"] == IMAGE
    meta = line[f"{PRIOR_ATTRIBUTE}-metadata"]
    assert (meta["class-name"], meta["confidence"], meta["human-annotated"]) == ("7", 0.455, "no")
    boxes = groundtruth_line(DETECTED)
    assert boxes["model-boxes"]["annotations"] == [{"class_id": 0, "left": 10, "top": 20, "width": 30,
                                                    "height": 40}]
    assert boxes["model-boxes"]["image_size"] == [{"width": 128, "height": 128, "depth": 3}]
    assert boxes["model-boxes-metadata"]["objects"] == [{"confidence": 0.51}]
    assert groundtruth_line(NOTHING) == {"source-ref": "s3://inference/uploads/blank.png"}
    for prior in (line, boxes):
        assert validate_line(to_json_line(prior)).status is Status.VALID


def test_a_verification_job_over_the_export_keeps_the_confirmed_prediction_only() -> None:
    confirmed = {**groundtruth_line(CLASSIFIED), "verify": 0, "verify-metadata": {
        "class-name": "good", "type": "groundtruth/label-verification", "human-annotated": "yes"}}
    refused = {**confirmed, "verify-metadata": {**confirmed["verify-metadata"], "class-name": "bad"}}
    answers = groundtruth_answers([(1, confirmed), (2, refused)])
    [(where, line)] = answers.lines
    assert where == "line 1" and line[f"{PRIOR_ATTRIBUTE}-metadata"]["class-name"] == "7"
    assert "verify" not in line
    assert answers.problems == [("line 2", "a person answered 'bad' in verify")]


def test_the_documented_verification_and_adjustment_outputs_convert() -> None:
    answers = groundtruth_answers([
        (1, verified("good.jpg", "good")),
        (2, verified("machine.jpg", "good", by_person="no")),
        (3, adjusted("moved.jpg", "adjusted")),
        (4, adjusted("unchecked.jpg", "adjusted", by_person="no")),
    ])
    lines = dict(answers.lines)
    assert set(lines) == {"line 1", "line 3"}
    assert lines["line 1"]["source-ref"] == f"s3://{DOC_BUCKET}/good.jpg"
    assert "bounding-box" in lines["line 1"]
    assert set(lines["line 3"]) == {"source-ref", "adjusted-box", "adjusted-box-metadata"}
    assert lines["line 3"]["adjusted-box"]["annotations"][0]["width"] == 180
    assert [where for where, _ in answers.problems] == ["line 2", "line 4"]


def test_a_classification_jobs_output_keeps_what_a_person_labelled() -> None:
    person = {"source-ref": IMAGE, "digit": 3, "digit-metadata": {
        "class-name": "3", "type": "groundtruth/image-classification", "human-annotated": "yes",
        "job-name": "labeling-job/digits", "confidence": 0.9, "creation-date": "2024-01-01T00:00:00"}}
    machine = {**person, "digit-metadata": {**person["digit-metadata"], "human-annotated": "no"}}
    answers = groundtruth_answers([(1, person), (2, machine), (3, {"digit": 1})])
    assert [line for _, line in answers.lines] == [person]
    assert [where for where, _ in answers.problems] == ["line 2", "line 3"]


def test_dataset_updates_are_split_under_the_request_limit_without_splitting_a_line() -> None:
    lines = [{"source-ref": f"s3://b/{index:03d}.png", "pad": "x" * 80} for index in range(30)]
    blobs = list(chunks(lines, limit=1000))
    assert all(len(blob.encode()) < 1000 for blob in blobs) and len(blobs) > 1
    assert "".join(blobs).splitlines() == [to_json_line(line) for line in lines]
