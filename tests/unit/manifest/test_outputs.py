"""The three files the service writes, locally and in S3, and the entries the service trains on."""

from __future__ import annotations

import json
import os

from customlabels.manifest import SUMMARY_FILE, TESTING_FILE, TRAINING_FILE, validate_manifests
from customlabels.manifest.builders import Box
from tests.unit.manifest.conftest import MANIFESTS, cls, det, load_lines


def lines_with_every_outcome() -> list:
    bad_box = det("d1.jpg", [Box("car", -1, 0, 5, 5), Box("car", 10, 10, 50, 50)])
    return [
        cls("a.jpg"),
        cls("b.jpg"),
        cls("c.jpg", "dog"),
        "{not json",
        {"source-ref": "s3://images/u.jpg"},
        cls("e.jpg", "dog"),
        bad_box,
    ]


def test_summary_matches_the_service_format(write_manifest):
    report = validate_manifests(write_manifest(lines_with_every_outcome()), check_images=False)
    assert report.summary == {
        "statistics": {
            "training": {
                "use_case": "IMAGE_LEVEL_LABELS",
                "total_json_lines": 7,
                "valid_json_lines": 5,
                "invalid_json_lines": 1,
                "ignored_json_lines": 1,
                "error_json_line_indices": [4, 7],
                "errors": [],
            },
            "testing": {
                "use_case": "NOT_DETERMINED",
                "total_json_lines": 0,
                "valid_json_lines": 0,
                "invalid_json_lines": 0,
                "ignored_json_lines": 0,
                "error_json_line_indices": [],
                "errors": [],
            },
        },
        "errors": [],
    }


def test_validation_manifest_keeps_one_line_per_input_line(write_manifest):
    report = validate_manifests(write_manifest(lines_with_every_outcome()), check_images=False)
    out = load_lines(report.validation_lines("training"))
    assert (
        len(out) == 7
        and out[0] == cls("a.jpg")
        and out[3]
        == {
            "errors": [{"code": "ERROR_INVALID_JSON_LINE", "message": "The JSON Line has an invalid format."}]
        }
    )
    assert out[4]["warnings"][0]["code"] == "WARNING_UNANNOTATED_RECORD"
    assert out[6]["bounding-box"]["annotations"][0]["errors"][0]["code"] == "ERROR_INVALID_BOUNDING_BOX"


def test_entries_are_the_usable_lines_of_the_chosen_use_case(write_manifest):
    lines = [
        det("d1.jpg", [Box("car", -1, 0, 5, 5), Box("bus", 10, 10, 50, 50)]),
        det("d2.jpg"),
        cls("a.jpg"),
    ]
    report = validate_manifests(write_manifest(lines), check_images=False)
    entries = report.training.entries
    assert [entry["source-ref"] for entry in entries] == ["s3://images/d1.jpg", "s3://images/d2.jpg"]
    first = entries[0]
    assert first["bounding-box"]["annotations"] == [
        {"class_id": 1, "top": 10, "left": 10, "width": 50, "height": 50}
    ]
    assert first["bounding-box-metadata"]["objects"] == [{"confidence": 1}]
    assert "errors" not in json.dumps(entries)


def test_write_to_a_local_directory(write_manifest, tmp_path):
    report = validate_manifests(write_manifest(lines_with_every_outcome()), check_images=False)
    written = report.write(str(tmp_path / "out"))
    assert sorted(written) == sorted([SUMMARY_FILE, TRAINING_FILE, TESTING_FILE])
    with open(written[SUMMARY_FILE]) as summary:
        assert json.load(summary) == report.summary
    with open(written[TRAINING_FILE]) as training:
        assert training.read().splitlines() == list(report.validation_lines())
    assert os.path.getsize(written[TESTING_FILE]) == 0


def test_write_to_s3_and_retrain_from_the_validation_manifest(s3, put_manifest):
    training = put_manifest(lines_with_every_outcome())
    testing = put_manifest([cls("t1.jpg"), cls("t2.jpg", "dog")], "test.manifest")
    report = validate_manifests(training, testing, s3=s3, check_images=False)
    written = report.write(f"s3://{MANIFESTS}/validation/run-1/", s3=s3)
    assert written[TRAINING_FILE] == f"s3://{MANIFESTS}/validation/run-1/{TRAINING_FILE}"
    body = s3.get_object(Bucket=MANIFESTS, Key=f"validation/run-1/{TESTING_FILE}")["Body"].read().decode()
    assert body.splitlines() == list(report.validation_lines("testing"))
    summary = json.loads(
        s3.get_object(Bucket=MANIFESTS, Key=f"validation/run-1/{SUMMARY_FILE}")["Body"].read()
    )
    assert summary == report.summary
    s3.copy_object(
        Bucket=MANIFESTS,
        Key="fixed.json",
        CopySource={"Bucket": MANIFESTS, "Key": f"validation/run-1/{TRAINING_FILE}"},
    )
    again = validate_manifests(f"s3://{MANIFESTS}/fixed.json", testing, s3=s3, check_images=False)
    assert again.summary == report.summary
    before, after = list(report.validation_lines()), list(again.validation_lines())
    assert after[:3] + after[4:] == before[:3] + before[4:]
    # The service replaced the unparseable line by its errors alone: now it is a line without source-ref.
    assert json.loads(after[3])["errors"][0]["code"] == "ERROR_MISSING_SOURCE_REF"
