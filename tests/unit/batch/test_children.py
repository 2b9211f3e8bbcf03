"""AnalyseBatch over moto S3/DynamoDB with the upload path's analyser (Rekognition stubbed)."""

from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from botocore.stub import Stubber

from customlabels.batch.children import ANALYSED, FAILED, IGNORED, SKIPPED, BatchAnalyser, item_location
from customlabels.feedback.review import review_set
from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.result_items import ResultItems
from customlabels.storage_layout import open_review_prefix
from tests.unit.inference import images
from tests.unit.inference.conftest import BUCKET, MODEL_ARN, RESULTS_TABLE

THROTTLED = "ProvisionedThroughputExceededException"


class Harness:
    def __init__(self, review_below: float | None = None) -> None:
        self.s3 = boto3.client("s3")
        self.rekognition = boto3.client("rekognition")
        self.stub = Stubber(self.rekognition)
        self.stub.activate()
        dynamodb = boto3.resource("dynamodb")
        self.table = dynamodb.Table(RESULTS_TABLE)
        self.sleeps: list[float] = []
        self.calls: list[str] = []
        for client in (self.s3, self.rekognition, dynamodb.meta.client):
            client.meta.events.register_first("before-call.*.*", self._count)
        model = {"versionArn": MODEL_ARN, "versionName": "widgets.v1"}
        analyzer = Analyzer(
            s3=self.s3,
            rekognition=self.rekognition,
            results_table=self.table,
            champions=ChampionCache(lambda: model, ttl_seconds=60, project="widgets"),
            starter=ModelStarter(
                self.rekognition,
                min_inference_units=1,
                max_inference_units=1,
                interval_seconds=60,
                cap_hold=lambda _arn: None,
            ),
            settings=Settings(min_confidence=None, start_stopped_model=False, model_retry_seconds=60),
            results_bucket=BUCKET,
            review=review_set(self.s3, BUCKET, "widgets", review_below),
        )
        self.batch = BatchAnalyser(
            s3=self.s3,
            result_items=ResultItems(dynamodb, RESULTS_TABLE, sleep=self.sleeps.append),
            results_bucket=BUCKET,
            analyzer_for=lambda *_: analyzer,
            concurrency=1,
            sleep=self.sleeps.append,
        )

    def _count(self, model, **_: object) -> None:
        self.calls.append(model.name)

    def run(self, items: list) -> dict:
        batch = {
            "bucket": BUCKET,
            "versionArn": MODEL_ARN,
            "versionName": "widgets.v1",
            "minConfidence": None,
        }
        self.calls.clear()
        return self.batch.run({"Items": items, "BatchInput": batch})

    def detects(self, *labels: str, confidence: float = 90.0) -> None:
        for label in labels:
            self.stub.add_response(
                "detect_custom_labels", {"CustomLabels": [{"Name": label, "Confidence": confidence}]}
            )


@pytest.fixture
def harness(resources) -> Harness:
    return Harness()


def test_images_are_analysed_skipped_when_done_and_other_keys_ignored(harness: Harness) -> None:
    harness.s3.put_object(Bucket=BUCKET, Key="old/a.png", Body=images.png())
    harness.s3.put_object(Bucket=BUCKET, Key="old/B.JPG", Body=images.jpeg())
    harness.s3.put_object(Bucket=BUCKET, Key="old/notes.txt", Body=b"text")
    harness.detects("cat", "dog")
    first = harness.run([{"Key": "old/a.png"}, {"Key": "old/B.JPG"}, {"Key": "old/notes.txt"}])
    assert [(i["image"], i["status"]) for i in first["images"]] == [
        (f"s3://{BUCKET}/old/a.png", ANALYSED),
        (f"s3://{BUCKET}/old/B.JPG", ANALYSED),
        (f"s3://{BUCKET}/old/notes.txt", IGNORED),
    ]
    assert first["images"][0]["labels"] == [{"name": "cat", "confidence": 90.0}]
    assert first["images"][0]["result"] == f"s3://{BUCKET}/results/{BUCKET}/old/a.png.json"
    second = harness.run([{"source-ref": f"s3://{BUCKET}/old/a.png"}])  # same version: no new call
    assert second["images"][0]["status"] == SKIPPED and second["images"][0]["labels"] == [{"name": "cat"}]
    harness.stub.assert_no_pending_responses()


def test_a_batch_reads_each_image_once_and_the_results_table_once_per_batch(harness: Harness) -> None:
    keys = [f"many/{index:02d}.png" for index in range(30)]
    for key in keys:
        harness.s3.put_object(Bucket=BUCKET, Key=key, Body=images.png())
    harness.detects(*["cat"] * len(keys))
    first = harness.run([{"Key": key} for key in keys])
    assert first["counts"] == {ANALYSED: 30}
    assert sorted(Counter(harness.calls).items()) == [
        ("BatchGetItem", 1),
        ("BatchWriteItem", 2),  # 25 + 5
        ("DetectCustomLabels", 30),
        ("GetObject", 30),  # one ranged GET per image: its version and its header
        ("PutObject", 30),
    ]
    second = harness.run([{"Key": key} for key in keys] + [{"Key": keys[0]}])
    assert second["counts"] == {SKIPPED: 31}
    assert sorted(Counter(harness.calls).items()) == [("BatchGetItem", 1), ("GetObject", 31)]
    key = {"image": f"s3://{BUCKET}/{keys[0]}", "version": version_of(harness, keys[0])}
    item = harness.table.get_item(Key=key)["Item"]
    assert item["labels"] == ["cat"] and item["status"] == "SUCCEEDED"


def version_of(harness: Harness, key: str) -> str:
    return harness.s3.head_object(Bucket=BUCKET, Key=key)["VersionId"]


def test_an_image_analysed_with_another_model_version_is_analysed_again(harness: Harness) -> None:
    harness.s3.put_object(Bucket=BUCKET, Key="v/a.png", Body=images.png())
    harness.detects("cat")
    harness.run([{"Key": "v/a.png"}])
    uri = f"s3://{BUCKET}/v/a.png"
    version = version_of(harness, "v/a.png")
    harness.table.update_item(
        Key={"image": uri, "version": version},
        UpdateExpression="SET modelVersionArn = :other",
        ExpressionAttributeValues={":other": MODEL_ARN.replace("widgets.v1", "widgets.v0")},
    )
    harness.detects("dog")
    answer = harness.run([{"Key": "v/a.png"}])
    assert answer["images"][0]["status"] == ANALYSED and answer["images"][0]["labels"][0]["name"] == "dog"
    assert harness.table.get_item(Key={"image": uri, "version": version})["Item"]["labels"] == ["dog"]


def test_an_image_the_header_read_holds_whole_is_sent_as_bytes_and_a_larger_one_by_version(
    harness: Harness,
) -> None:
    small, large = images.png(), images.oversized_png(total_bytes=20_000)  # header read: 8 KB
    harness.s3.put_object(Bucket=BUCKET, Key="sizes/small.png", Body=small)
    harness.s3.put_object(Bucket=BUCKET, Key="sizes/large.png", Body=large)
    found = {"CustomLabels": [{"Name": "cat", "Confidence": 90.0}]}
    harness.stub.add_response(
        "detect_custom_labels", found, {"ProjectVersionArn": MODEL_ARN, "Image": {"Bytes": small}}
    )
    large_version = version_of(harness, "sizes/large.png")
    s3_object = {"Bucket": BUCKET, "Name": "sizes/large.png", "Version": large_version}
    harness.stub.add_response(
        "detect_custom_labels", found, {"ProjectVersionArn": MODEL_ARN, "Image": {"S3Object": s3_object}}
    )
    answer = harness.run([{"Key": "sizes/small.png"}, {"Key": "sizes/large.png"}])
    assert answer["counts"] == {ANALYSED: 2}
    assert Counter(harness.calls)["GetObject"] == 2
    harness.stub.assert_no_pending_responses()


def test_an_empty_object_gets_the_upload_paths_error_result(harness: Harness) -> None:
    harness.s3.put_object(Bucket=BUCKET, Key="e/empty.png", Body=b"")
    answer = harness.run([{"Key": "e/empty.png"}])
    assert answer["images"][0]["status"] == FAILED and answer["images"][0]["code"] == "INVALID_IMAGE"
    assert "empty" in answer["images"][0]["reason"]


def test_throttling_is_retried_with_backoff_and_a_missing_image_is_reported(harness: Harness) -> None:
    harness.s3.put_object(Bucket=BUCKET, Key="t/a.png", Body=images.png())
    for _ in range(4):  # two calls of two SDK attempts each are throttled, then it passes
        harness.stub.add_client_error("detect_custom_labels", THROTTLED, http_status_code=400)
    harness.detects("cat")
    answer = harness.run([{"Key": "t/a.png"}, {"Key": "t/gone.png"}])
    assert [i["status"] for i in answer["images"]] == [ANALYSED, FAILED]
    assert answer["images"][1]["code"] == "NOT_FOUND"
    assert len(harness.sleeps) >= 1 and all(0 < s <= 16 for s in harness.sleeps)
    assert answer["counts"] == {ANALYSED: 1, FAILED: 1}


def test_a_bad_image_gets_an_error_result_and_is_not_retried(harness: Harness) -> None:
    harness.s3.put_object(Bucket=BUCKET, Key="bad/x.png", Body=b"not an image at all" * 10)
    answer = harness.run([{"Key": "bad/x.png"}])
    assert answer["images"][0]["status"] == FAILED and answer["images"][0]["code"] == "INVALID_IMAGE"
    assert harness.sleeps == []
    assert harness.s3.head_object(Bucket=BUCKET, Key=f"results/{BUCKET}/bad/x.png.error.json")


def test_item_locations() -> None:
    assert item_location({"Key": "a/b.png"}, "bkt") == ("bkt", "a/b.png")
    assert item_location({"source-ref": "s3://other/c.jpg", "x": 1}, "bkt") == ("other", "c.jpg")
    assert item_location({"source-ref": "nope"}, "bkt") is None
    assert item_location("text", "bkt") is None


def test_a_batch_sends_its_low_confidence_images_to_the_review_set(resources) -> None:
    harness = Harness(review_below=50.0)
    harness.s3.put_object(Bucket=BUCKET, Key="old/sure.png", Body=images.png())
    harness.s3.put_object(Bucket=BUCKET, Key="old/unsure.png", Body=images.png())
    harness.detects("cat")
    harness.detects("dog", confidence=31.0)
    harness.run([{"Key": "old/sure.png"}, {"Key": "old/unsure.png"}])
    listing = harness.s3.list_objects_v2(Bucket=BUCKET, Prefix=open_review_prefix("widgets"))["Contents"]
    [entry] = [json.loads(harness.s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listing]
    assert entry["image"] == f"s3://{BUCKET}/old/unsure.png" and entry["reason"] == "LOW_CONFIDENCE"
    assert entry["resultUri"] == f"s3://{BUCKET}/results/{BUCKET}/old/unsure.png.json"
