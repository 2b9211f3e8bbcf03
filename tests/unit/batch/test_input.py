from __future__ import annotations

import pytest

from customlabels.batch.input import check_batch_input

BUCKETS = ("inference-b", "console-b")


def check(raw, default=None):
    return check_batch_input(raw, readable_buckets=BUCKETS, default_min_confidence=default)


@pytest.mark.parametrize(
    ("source", "kind", "where"),
    [
        ("s3://inference-b/backfill/", "prefix", {"prefix": "backfill/", "key": ""}),
        ("s3://inference-b/", "prefix", {"prefix": "", "key": ""}),
        ("s3://console-b/datasets/a.manifest", "manifest", {"key": "datasets/a.manifest", "prefix": ""}),
        ("s3://inference-b/uploads/long.MOV", "video", {"key": "uploads/long.MOV", "prefix": ""}),
    ],
)
def test_a_prefix_a_manifest_or_a_video_of_the_stacks_buckets_is_accepted(source, kind, where) -> None:
    verdict = check({"source": source}, default=50.0)
    assert verdict.valid
    assert verdict.settings == {
        "source": source,
        "kind": kind,
        "bucket": source.split("/")[2],
        **where,
        "sourceVersionId": None,
        "versionName": None,
        "minConfidence": 50.0,
        "stopWhenDone": True,
    }


def test_every_problem_is_named_with_the_accepted_form() -> None:
    verdict = check(
        {
            "source": "s3://other/x/",
            "versionName": "bad name",
            "minConfidence": 101,
            "stopWhenDone": "yes",
            "colour": 1,
        }
    )
    assert not verdict.valid and len(verdict.problems) == 5
    for fragment in (
        "unknown field(s) colour",
        "bucket 'other'",
        "versionName='bad name'",
        "minConfidence=101",
        "stopWhenDone='yes'",
        "Accepted form",
    ):
        assert fragment in verdict.cause


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({}, "source is required"),
        ({"source": 3}, "source must be a string"),
        ({"source": "inference-b/x/"}, "is not an S3 URI"),
        ({"source": "s3://inference-b/x.jpg"}, "neither a prefix"),
        ({"source": "s3://inference-b/x.avi"}, "nor a video (ending in .mp4 or .mov, any case)"),
        ([], "must be a JSON object"),
        ({"source": "s3://inference-b/x/", "sourceVersionId": "v1"}, "with a video source only"),
        ({"source": "s3://inference-b/x.mp4", "sourceVersionId": 7}, "sourceVersionId=7 is not allowed"),
        ({"source": "s3://inference-b/x.mp4", "sourceVersionId": ""}, "sourceVersionId='' is not allowed"),
    ],
)
def test_a_source_neither_prefix_manifest_nor_video_or_a_misplaced_version_is_refused(raw, fragment) -> None:
    verdict = check(raw)
    assert not verdict.valid and fragment in verdict.cause


def test_a_video_source_may_name_its_version() -> None:
    verdict = check({"source": "s3://inference-b/uploads/a.mp4", "sourceVersionId": "3HL4kqtJ"})
    assert verdict.valid and verdict.settings["sourceVersionId"] == "3HL4kqtJ"
