"""`customlabels validate`: exit codes, the report for people, --json and --output."""

from __future__ import annotations

import json

import pytest

from customlabels.manifest.builders import Box
from customlabels_cli.main import main
from tests.unit.manifest.conftest import MANIFESTS, cls, det, manifest_text

GOOD = [cls("a.jpg"), cls("b.jpg"), cls("c.jpg", "dog"), cls("d.jpg", "dog")]


def test_clean_manifest_exits_0_with_counts(write_manifest, capsys):
    assert main(["validate", write_manifest(GOOD), "--skip-images"]) == 0
    out = capsys.readouterr().out
    assert "4 lines, 4 valid, 0 invalid, 0 ignored" in out and "training can proceed" in out


def test_terminal_errors_exit_1_with_grouped_line_errors_and_fixes(write_manifest, capsys):
    lines = [*GOOD, "{bad", "{bad", cls("x.jpg", "y" * 300)]
    assert main(["validate", write_manifest(lines), "--skip-images"]) == 1
    out = capsys.readouterr().out
    assert "ERROR_INVALID_JSON_LINE: 2 errors on 2 lines (lines 5, 6)" in out
    assert "ERROR_INVALID_LABEL_NAME_LENGTH: 1 error on 1 line (line 7)" in out
    assert "[training] ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST" in out and "3 of 7 lines (42.9%)" in out
    assert out.count("fix: ") >= 4


def test_json_prints_the_summary(write_manifest, capsys):
    assert main(["validate", write_manifest(GOOD), "--skip-images", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["statistics"]["training"]["valid_json_lines"] == 4


def test_output_writes_the_three_files(write_manifest, tmp_path, capsys):
    assert main(["validate", write_manifest(GOOD), "--skip-images", "--output", str(tmp_path / "v")]) == 0
    assert sorted(path.name for path in (tmp_path / "v").iterdir()) == [
        "manifest_summary.json",
        "testing_manifest_with_validation.json",
        "training_manifest_with_validation.json",
    ]


def test_manifest_file_errors(write_manifest, tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.manifest")]) == 2
    assert "No such file" in capsys.readouterr().out
    assert main(["validate", write_manifest(GOOD, "noext"), "--skip-images"]) == 1
    out = capsys.readouterr().out
    assert "The manifest file extension or contents are invalid." in out and "has no extension" in out


def test_any_extension_is_a_manifest(write_manifest, capsys):
    assert main(["validate", write_manifest(GOOD, "train.jsonl"), "--skip-images"]) == 0
    assert "training can proceed" in capsys.readouterr().out


def test_a_misspelled_key_gets_the_guides_name(write_manifest, capsys):
    misspelled_ref = cls("a.jpg")
    misspelled_ref["source_ref"] = misspelled_ref.pop("source-ref")
    misspelled_name = cls("b.jpg")
    metadata = next(value for key, value in misspelled_name.items() if key.endswith("-metadata"))
    metadata["class-nmae"] = metadata.pop("class-name")
    assert main(["validate", write_manifest([misspelled_ref, misspelled_name]), "--skip-images"]) == 1
    out = capsys.readouterr().out
    assert '"source_ref": did you mean "source-ref"?' in out
    assert '"class-nmae": did you mean "class-name"?' in out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["validate"])
    assert caught.value.code == 2


def test_unreachable_s3_for_images_is_an_access_error(write_manifest, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["validate", write_manifest(GOOD)]) == 2
    out = capsys.readouterr().out
    assert "4 lines, 4 valid, 0 invalid" in out and "ERROR_INVALID_IMAGE" not in out
    assert "Image checks were not done" in out and "127.0.0.1:9" in out and "--skip-images" in out


def test_two_errors_on_one_line_read_as_one_line(write_manifest, capsys):
    line = det("e.jpg", [Box("car", -1, 0, 5, 5), Box("car", 0, -1, 5, 5), Box("car", 1, 1, 50, 50)])
    main(["validate", write_manifest([*GOOD, line]), "--skip-images"])
    assert "ERROR_INVALID_BOUNDING_BOX: 2 errors on 1 line (line 5)" in capsys.readouterr().out


def test_the_report_fills_in_every_message(write_manifest, capsys):
    bad_format = cls("x.jpg")
    bad_format["cat"] = "one"
    unsupported = cls("y.jpg")
    unsupported["cat-metadata"]["type"] = "groundtruth/semantic-segmentation"
    main(["validate", write_manifest([*GOOD, bad_format, unsupported]), "--skip-images"])
    out = capsys.readouterr().out
    assert "The format of the label attribute cat is invalid." in out
    assert "The use case type of the cat-metadata label attribute metadata is unsupported." in out
    assert "{}" not in out


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_without_credentials_the_structure_is_reported_and_images_are_said_unchecked(
        no_credentials, write_manifest, capsys):
    assert main(["validate", write_manifest([*GOOD, "{bad"])]) == 2
    out = capsys.readouterr().out
    assert "5 lines, 4 valid, 1 invalid" in out and "ERROR_INVALID_JSON_LINE" in out
    assert "Image checks were not done" in out and "no AWS credentials were found" in out
    assert "--skip-images" in out and "aws configure" in out
    assert main(["validate", write_manifest(GOOD), "--skip-images"]) == 0


def test_an_s3_manifest_without_credentials_is_not_called_a_permission_problem(no_credentials, capsys):
    assert main(["validate", "s3://some-bucket/train.manifest", "--skip-images"]) == 2
    out = capsys.readouterr().out
    assert "no AWS credentials were found" in out and "aws configure" in out
    assert "permissions" not in out and "s3:GetObject" not in out


def test_a_file_that_is_not_a_manifest_is_refused_for_its_content(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# not a manifest\n")
    assert main(["validate", str(readme), "--skip-images"]) == 1
    out = capsys.readouterr().out
    assert "ERROR_INVALID_JSON_LINE" in out and "the line is not one JSON object" in out


def test_an_unwritable_output_is_not_a_manifest_failure(s3, write_manifest, capsys):
    assert main(["validate", write_manifest(GOOD), "--skip-images", "--output", "s3://no-such-bucket/"]) == 2
    out = capsys.readouterr().out
    assert "training can proceed" in out and "Training cannot start" not in out
    assert "The validation files were not written to s3://no-such-bucket/" in out and "NoSuchBucket" in out


def test_a_valid_manifest_outside_the_console_bucket_is_what_train_would_refuse(s3, tmp_path, capsys):
    s3.put_object(Bucket=MANIFESTS, Key="elsewhere/train.manifest", Body=manifest_text(GOOD).encode())
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"ConsoleBucketName": "custom-labels-console-us-east-1-x",
                                   "ProjectName": "digits"}))
    location = f"s3://{MANIFESTS}/elsewhere/train.manifest"
    assert main(["validate", location, "--skip-images", "--outputs", str(outputs)]) == 1
    out = capsys.readouterr().out
    assert "training can proceed" not in out and "`customlabels train` would refuse it" in out
    assert "copy it to s3://custom-labels-console-us-east-1-x/datasets/digits/" in out
    assert main(["validate", location, "--skip-images"]) == 0  # no stack found: the manifest alone
