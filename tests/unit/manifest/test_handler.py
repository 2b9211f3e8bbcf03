"""The validate_manifests Lambda: writes the files under the output prefix, returns a compact result."""

from __future__ import annotations

import json

import pytest

from customlabels.manifest.preflight import InvalidEventError
from handlers.validate_manifests import handler
from tests.unit.manifest.conftest import MANIFESTS, cls


class Context:
    function_name = "validate_manifests"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:validate_manifests"
    aws_request_id = "req-1"


@pytest.fixture(autouse=True)
def no_tracing(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")


def test_result_and_files(s3, put_image, put_manifest):
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        put_image(name)
    training = put_manifest([cls("a.jpg"), cls("b.jpg"), cls("c.jpg", "dog"), cls("d.jpg", "dog"), "{x"])
    event = {
        "trainingManifest": training,
        "testingManifest": None,
        "checkImages": True,
        "outputPrefix": f"s3://{MANIFESTS}/validation/p/exec-1",
    }
    result = handler(event, Context())
    assert result["canTrain"] is True and result["terminalErrors"] == [] and result["fileError"] is None
    assert result["counts"]["training"] == {"total": 5, "valid": 4, "invalid": 1, "ignored": 0}
    assert result["topLineErrors"] == [
        {"dataset": "training", "code": "ERROR_INVALID_JSON_LINE", "count": 1, "lines": 1, "firstLines": [5]}
    ]
    assert result["imageChecks"] == {"sampled": False, "fraction": 1.0, "reason": "every image is checked",
                                     "checked": 4, "notSampled": 0}
    assert result["summaryUri"] == f"s3://{MANIFESTS}/validation/p/exec-1/manifest_summary.json"
    summary = json.loads(
        s3.get_object(Bucket=MANIFESTS, Key="validation/p/exec-1/manifest_summary.json")["Body"].read()
    )
    assert summary["statistics"]["training"]["error_json_line_indices"] == [5]
    json.dumps(result)


def test_terminal_errors_and_file_errors(s3, put_manifest):
    event = {
        "trainingManifest": put_manifest([cls("a.jpg")] + ["{"] * 3),
        "testingManifest": None,
        "outputPrefix": f"s3://{MANIFESTS}/v",
        "checkImages": False,
    }
    result = handler(event, Context())
    assert result["canTrain"] is False and result["statusMessage"].startswith(
        "The manifest file contains too many"
    )
    assert result["terminalErrors"][0]["code"] == "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST"
    result = handler({**event, "trainingManifest": f"s3://{MANIFESTS}/absent.manifest"}, Context())
    assert (
        result["fileError"] == "The manifest file extension or contents are invalid." and not result["files"]
    )
    result = handler({**event, "outputPrefix": "s3://no-such-bucket/v"}, Context())
    assert result["fileError"] == "Unable to write to output S3 bucket."


def test_malformed_event_says_what_is_wrong():
    with pytest.raises(InvalidEventError, match=r"trainingManifest must be an s3:// URI.*checkImages"):
        handler(
            {"trainingManifest": "train.manifest", "outputPrefix": "s3://b/p", "checkImages": "yes"},
            Context(),
        )


@pytest.mark.parametrize("dataset", ["training", "testing"])
def test_a_missing_or_empty_manifest_is_named_with_its_reason(s3, put_manifest, dataset: str) -> None:
    """The status message (the start of the ManifestInvalid cause) says which file and why."""
    present = put_manifest([cls("a.jpg"), cls("b.jpg", "dog")])
    s3.put_object(Bucket=MANIFESTS, Key="empty.manifest", Body=b"")
    for broken, reason in ((f"s3://{MANIFESTS}/absent.manifest", "does not exist"),
                           (f"s3://{MANIFESTS}/empty.manifest", "no content")):
        manifests = {"training": present, "testing": present, dataset: broken}
        event = {"trainingManifest": manifests["training"], "testingManifest": manifests["testing"],
                 "outputPrefix": f"s3://{MANIFESTS}/v", "checkImages": False}
        message = handler(event, Context())["statusMessage"]
        assert f"The {dataset} manifest {broken}: " in message and reason in message, message
