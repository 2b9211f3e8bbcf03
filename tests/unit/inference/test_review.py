"""Low-confidence and unlabelled results reach the review set, once per image version."""

from __future__ import annotations

import json
from typing import Any

import pytest

from customlabels.feedback.review import ReviewSet
from customlabels.storage_layout import open_review_prefix
from tests.unit.inference import images
from tests.unit.inference.conftest import BUCKET, MODEL_ARN, PROJECT
from tests.unit.inference.test_analyzer import Harness, expect_detect


@pytest.fixture
def harness(resources) -> Harness:
    return Harness(review_below=60.0)


def review_entries(harness: Harness) -> list[dict[str, Any]]:
    prefix = open_review_prefix(PROJECT)
    listing = harness.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return [json.loads(harness.s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listing]


def test_a_result_below_the_threshold_is_added_with_its_labels_and_model(harness: Harness) -> None:
    image = harness.image("uploads/low.png", images.png(200, 100))
    expect_detect(harness, image, [{"Name": "3", "Confidence": 41.0}, {"Name": "8", "Confidence": 35.5}])
    harness.analyzer.analyse(image)
    [entry] = review_entries(harness)
    assert entry["image"] == f"s3://{BUCKET}/uploads/low.png"
    assert entry["version"] == image.version and entry["modelVersionArn"] == MODEL_ARN
    assert entry["reason"] == "LOW_CONFIDENCE"
    assert [label["name"] for label in entry["labels"]] == ["3", "8"]
    assert entry["resultUri"] == f"s3://{BUCKET}/results/low.png.json"


def test_a_confident_result_is_not_added_and_an_empty_one_is(harness: Harness) -> None:
    sure = harness.image("uploads/sure.png", images.png(200, 100))
    expect_detect(harness, sure, [{"Name": "3", "Confidence": 97.0}, {"Name": "8", "Confidence": 2.0}])
    harness.analyzer.analyse(sure)
    assert review_entries(harness) == []
    empty = harness.image("uploads/empty.png", images.png(200, 100))
    expect_detect(harness, empty, [])
    harness.analyzer.analyse(empty)
    [entry] = review_entries(harness)
    assert entry["reason"] == "NO_LABEL" and entry["image"].endswith("/uploads/empty.png")


def test_the_same_image_version_twice_is_one_entry_and_a_new_version_another(harness: Harness) -> None:
    image = harness.image("uploads/again.png", images.png(200, 100))
    for _ in range(2):
        expect_detect(harness, image, [{"Name": "1", "Confidence": 12.0}])
        harness.analyzer.analyse(image)
    assert len(review_entries(harness)) == 1
    newer = harness.image("uploads/again.png", images.png(300, 100))
    expect_detect(harness, newer, [{"Name": "1", "Confidence": 12.0}])
    harness.analyzer.analyse(newer)
    versions = sorted(entry["version"] for entry in review_entries(harness))
    assert versions == sorted([image.version, newer.version])


def test_failed_results_never_reach_the_review_set(harness: Harness) -> None:
    image = harness.image("uploads/not-an-image.png", b"%PDF-1.7" * 100)
    harness.analyzer.analyse(image)
    assert review_entries(harness) == []


def test_video_frames_below_the_threshold_are_entries_of_their_own() -> None:
    review = ReviewSet(s3=None, bucket=BUCKET, project=PROJECT, below=50.0)
    document = {
        "image": {"bucket": BUCKET, "key": "uploads/clip.mp4", "version": "v1"},
        "modelVersionArn": MODEL_ARN,
        "finishedAt": "2026-01-01T00:00:00Z",
        "labels": [{"name": "3", "firstSeenMs": 0}],
        "timeline": [
            {"timestampMs": 0, "labels": [{"name": "3", "confidence": 90.0}]},
            {"timestampMs": 1000, "labels": [{"name": "3", "confidence": 30.0}]},
            {"timestampMs": 2000, "labels": []},
        ],
    }
    entries = list(review.entries(document, "s3://b/results/clip.mp4.json"))
    assert [(entry["frameMs"], entry["reason"]) for entry in entries] == [
        (1000, "LOW_CONFIDENCE"), (2000, "NO_LABEL")
    ]
    assert len({entry["id"] for entry in entries}) == 2
