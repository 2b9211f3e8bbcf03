"""The five manifest-file errors: no code, the service's message, no summary and no files."""

from __future__ import annotations

import os

import pytest
from botocore.stub import Stubber

from customlabels.manifest import validate_manifests
from customlabels.manifest.source import open_manifest
from tests.unit.manifest.conftest import MANIFESTS, cls

INVALID = "The manifest file extension or contents are invalid."


def assert_file_error(report, message: str) -> None:
    assert report.file_error == message == report.status_message
    assert not report.can_train and report.summary is None and report.terminal_errors == []
    with pytest.raises(ValueError, match="no validation files"):
        report.write("/nonexistent")


def test_missing_local_manifest(tmp_path):
    report = validate_manifests(str(tmp_path / "absent.manifest"), check_images=False)
    assert_file_error(report, INVALID)
    assert report.file_failure.unreadable


def test_manifest_without_extension(write_manifest):
    assert_file_error(
        validate_manifests(write_manifest([cls("a.jpg")], "train"), check_images=False), INVALID
    )


def test_missing_s3_manifest_and_bucket(s3):
    assert_file_error(validate_manifests(f"s3://{MANIFESTS}/absent.manifest", s3=s3), INVALID)
    assert_file_error(validate_manifests("s3://no-such-bucket/a.manifest", s3=s3), INVALID)


def test_a_wrong_bucket_gets_a_fix_about_the_location_not_the_extension(s3):
    failure = validate_manifests("s3://no-such-bucket/datasets/a.manifest", s3=s3).file_failure
    assert "aws s3 ls s3://no-such-bucket/datasets/" in failure.fix and "extension" not in failure.fix


def test_testing_manifest_errors_are_checked_before_any_content(write_manifest):
    training = write_manifest(["{broken"] * 10)
    report = validate_manifests(training, write_manifest([], "test"), check_images=False)
    assert_file_error(report, INVALID)


@pytest.mark.parametrize("content", ["", "\n\n  \r\n"])
def test_empty_manifest(tmp_path, content):
    path = tmp_path / "empty.manifest"
    path.write_text(content)
    assert_file_error(validate_manifests(str(path), check_images=False), "The manifest file is empty.")


def test_manifest_over_1_gb_is_rejected_from_its_size_alone(tmp_path):
    path = tmp_path / "huge.manifest"
    with open(path, "wb") as out:
        out.truncate(1024**3 + 1)  # sparse: nothing is written, nothing may be read
    report = validate_manifests(str(path), check_images=False)
    assert_file_error(report, "The manifest file size exceeds the maximum supported size.")
    assert os.path.getsize(path) == 1024**3 + 1


def test_s3_manifest_over_1_gb_is_rejected_from_head_object_alone(s3):
    with Stubber(s3) as stub:  # no get_object is stubbed: reading the body would fail the test
        stub.add_response(
            "head_object", {"ContentLength": 1024**3 + 1}, {"Bucket": MANIFESTS, "Key": "big.manifest"}
        )
        report = validate_manifests(f"s3://{MANIFESTS}/big.manifest", s3=s3, check_images=False)
        stub.assert_no_pending_responses()
    assert_file_error(report, "The manifest file size exceeds the maximum supported size.")


def test_access_denied_on_the_manifest_bucket(s3):
    with Stubber(s3) as stub:
        stub.add_client_error("head_object", "AccessDenied", http_status_code=403)
        report = validate_manifests(f"s3://{MANIFESTS}/train.manifest", s3=s3, check_images=False)
    assert_file_error(report, "The S3 bucket permissions are incorrect.")


def test_unwritable_output_bucket(s3, put_manifest):
    lines = [cls("a.jpg"), cls("b.jpg"), cls("c.jpg", "dog"), cls("d.jpg", "dog")]
    report = validate_manifests(put_manifest(lines), s3=s3, check_images=False)
    assert report.can_train
    with pytest.raises(Exception, match=r"Unable to write to output S3 bucket\.") as caught:
        report.write("s3://no-such-output-bucket/validation", s3=s3)
    assert caught.value.error.value == "Unable to write to output S3 bucket."


def test_open_manifest_streams_s3_bodies_line_by_line(s3, put_manifest):
    source = open_manifest(put_manifest([cls("a.jpg")] * 3), s3)
    assert source.size > 0 and source.stream.readline().startswith(b'{"source-ref"')
    source.close()
