"""Terminal manifest-content errors: where they land in the summary and when they fire."""

from __future__ import annotations

import io

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from customlabels.manifest import validate_manifests
from customlabels.manifest.builders import Box
from tests.unit.manifest.conftest import cls, det, manifest_text


def validate(write_manifest, training, testing=None, **kwargs):
    test_path = write_manifest(testing, "test.manifest") if testing is not None else None
    return validate_manifests(write_manifest(training), test_path, check_images=False, **kwargs)


def pairs(*labels: str) -> list[dict]:
    return [cls(f"{label}-{i}.jpg", label) for label in labels for i in range(2)]


def test_clean_manifests_can_train(write_manifest):
    report = validate(write_manifest, pairs("cat", "dog"), pairs("cat", "dog"))
    assert report.can_train and report.status_message == "" and report.terminal_errors == []
    assert report.use_case == "IMAGE_LEVEL_LABELS" == report.summary["statistics"]["testing"]["use_case"]


@pytest.mark.parametrize(("bad", "fails"), [(2, False), (3, True)])
def test_too_many_invalid_rows_above_20_percent(write_manifest, bad, fails):
    training = pairs("a", "b", "c", "d", "e")[: 10 - bad] + ["{oops"] * bad
    report = validate(write_manifest, training, pairs("cat", "dog"))
    stats = report.summary["statistics"]["training"]
    assert stats["total_json_lines"] == 10 == stats["valid_json_lines"] + stats["invalid_json_lines"]
    assert ("ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST" in report.terminal_errors) is fails
    assert ("ERROR_TOO_MANY_RECORDS_IN_ERROR" in report.terminal_errors) is fails
    if fails:
        assert stats["errors"][0] == {
            "code": "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST",
            "message": "The manifest file contains too many invalid rows.",
        }
        assert report.status_message.startswith("The manifest file contains too many invalid rows.")


def test_ignored_lines_do_not_count_as_invalid(write_manifest):
    training = pairs("cat", "dog") + [{"source-ref": f"s3://images/u{i}.jpg"} for i in range(4)] + ["{"]
    stats = validate(write_manifest, training, pairs("cat")).summary["statistics"]["training"]
    assert (stats["valid_json_lines"], stats["invalid_json_lines"], stats["ignored_json_lines"]) == (4, 1, 4)
    assert stats["error_json_line_indices"] == [9] and stats["errors"] == []


def test_images_in_multiple_buckets(write_manifest):
    other = cls("x.jpg", "dog")
    other["source-ref"] = "s3://elsewhere/x.jpg"
    report = validate(write_manifest, [*pairs("cat", "dog"), other], pairs("cat", "dog"))
    assert report.terminal_errors == ["ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS"]


def test_too_few_labels_by_use_case(write_manifest):
    assert validate(write_manifest, pairs("cat"), pairs("cat")).terminal_errors == [
        "ERROR_MANIFEST_TOO_FEW_LABELS",
        "ERROR_MANIFEST_TOO_FEW_LABELS",
    ]
    one_object = [det(f"{i}.jpg") for i in range(4)]
    assert validate(write_manifest, one_object, one_object).can_train


def test_too_many_labels(write_manifest):
    labels = [f"label-{i}" for i in range(251)]
    report = validate(write_manifest, pairs(*labels), pairs(*labels))
    assert report.terminal_errors == ["ERROR_MANIFEST_TOO_MANY_LABELS", "ERROR_MANIFEST_TOO_MANY_LABELS"]
    assert validate(write_manifest, pairs(*labels[:250]), pairs(*labels[:250])).can_train


def test_mixed_manifest_uses_the_majority_kind_and_filters_the_other(write_manifest):
    training = [det(f"d{i}.jpg", [Box("car", 1, 1, 9, 9)]) for i in range(3)] + pairs("cat", "dog")
    report = validate(write_manifest, training, pairs("cat", "dog"))
    assert report.use_case == "IMAGE_LEVEL_LABELS"
    assert [sorted(entry) for entry in report.training.entries] == [
        ["cat", "cat-metadata", "source-ref"]
    ] * 2 + [["dog", "dog-metadata", "source-ref"]] * 2


def test_too_few_usable_labels_when_the_other_kind_holds_them(write_manifest):
    training = [det(f"d{i}.jpg", [Box(f"obj{i}", 1, 1, 9, 9)]) for i in range(3)] + [
        cls("c.jpg"),
        cls("c2.jpg"),
    ]
    testing = [det("t.jpg", [Box("obj0", 1, 1, 9, 9)]), det("t2.jpg", [Box("obj1", 1, 1, 9, 9)])]
    report = validate(write_manifest, training, testing)
    assert report.use_case == "OBJECT_LOCALIZATION" and report.can_train
    training = (
        [det("d.jpg", [Box("obj", 1, 1, 9, 9)])]
        + [cls(f"c{i}.jpg", "cat") for i in range(2)]
        + [cls(f"e{i}.jpg", "cat") for i in range(2)]
    )
    report = validate(write_manifest, training, pairs("cat"))
    assert report.use_case == "IMAGE_LEVEL_LABELS"
    assert "ERROR_MANIFEST_TOO_FEW_USABLE_LABELS" in report.terminal_errors


def test_label_overlap_is_common_over_training_labels(write_manifest):
    report = validate(write_manifest, pairs("a", "b", "c", "d"), pairs("a", "x"))
    assert report.summary["errors"] == [
        {
            "code": "ERROR_INSUFFICIENT_LABEL_OVERLAP",
            "message": "Less than 50% label overlap between the training and testing manifest files.",
        }
    ]
    assert validate(write_manifest, pairs("a", "b", "c", "d"), pairs("a", "b")).can_train


def test_usable_label_overlap(write_manifest):
    training = [*pairs("a", "b", "c"), det("d.jpg", [Box("d", 1, 1, 9, 9)])]
    testing = pairs("a") + [det(f"t{i}.jpg", [Box(name, 1, 1, 9, 9)]) for i, name in enumerate("bcd")]
    report = validate(write_manifest, training, testing)
    assert report.summary["statistics"]["testing"]["use_case"] == "IMAGE_LEVEL_LABELS"
    assert report.terminal_errors == [
        "ERROR_MANIFEST_TOO_FEW_USABLE_LABELS",
        "ERROR_INSUFFICIENT_USABLE_LABEL_OVERLAP",
    ]
    assert report.summary["errors"][0]["message"].startswith("Less than 50% usable label overlap")


def test_autosplit_needs_two_images_per_label(write_manifest):
    assert validate(write_manifest, [*pairs("cat"), cls("d.jpg", "dog")]).terminal_errors == [
        "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT"
    ]
    assert validate(write_manifest, pairs("cat", "dog")).can_train


def test_rows_beyond_the_maximum_are_not_checked(write_manifest):
    report = validate(write_manifest, [*pairs("cat", "dog"), "{bad"], pairs("cat", "dog"), max_rows=4)
    assert report.terminal_errors == ["ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM"] and report.training.total == 4


def test_duplicate_source_ref_drops_the_later_line(write_manifest):
    report = validate(write_manifest, [*pairs("cat", "dog"), cls("cat-0.jpg", "dog")], pairs("cat", "dog"))
    assert [o.codes for o in report.training.outcomes][-1] == ("ERROR_DUPLICATE_SOURCE_REF",)


def test_image_bucket_problems(s3, put_image, put_manifest):
    put_image("ok.jpg")
    lines = [cls("ok.jpg"), cls("gone1.jpg"), cls("gone2.jpg", "dog")]
    report = validate_manifests(put_manifest(lines), s3=s3)
    assert "ERROR_FAILED_IMAGES_S3_COPY" not in report.terminal_errors
    report = validate_manifests(put_manifest(lines[1:]), s3=s3)
    assert "ERROR_FAILED_IMAGES_S3_COPY" in report.terminal_errors
    with Stubber(s3) as stub:
        stub.add_response("head_object", {"ContentLength": 500}, {"Bucket": ANY, "Key": ANY})
        stub.add_response("get_object", {"Body": _body(put_manifest, lines[:1])}, {"Bucket": ANY, "Key": ANY})
        stub.add_client_error("get_object", "AccessDenied", http_status_code=403)
        stub.add_response("get_bucket_acl", {"Owner": {"ID": "images-owner"}}, {"Bucket": "images"})
        stub.add_response("get_bucket_acl", {"Owner": {"ID": "manifest-owner"}}, {"Bucket": "manifests"})
        report = validate_manifests("s3://manifests/x.manifest", s3=s3, max_workers=1)
    assert {
        "ERROR_INVALID_PERMISSIONS_IMAGES_S3_BUCKET",
        "ERROR_FAILED_IMAGES_S3_COPY",
        "ERROR_INVALID_IMAGES_S3_BUCKET_OWNER",
    } <= set(report.terminal_errors)


def _body(put_manifest, lines):
    data = manifest_text(lines).encode()
    return StreamingBody(io.BytesIO(data), len(data))
