from __future__ import annotations

import gzip
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from customlabels.feedback.review import review_set
from customlabels.inference import results
from customlabels.inference.analyzer import Analyzer, Settings
from customlabels.inference.champion import ChampionCache
from customlabels.inference.errors import ModelNotRunning, TransientProblem
from customlabels.inference.events import images_in_message
from customlabels.inference.model_start import ModelStarter
from tests.unit.inference import images
from tests.unit.inference.conftest import BUCKET, MODEL_ARN, RESULTS_TABLE, upload

DETECTION = {
    "Name": "widget",
    "Confidence": 91.5,
    "Geometry": {"BoundingBox": {"Width": 0.5, "Height": 0.25, "Left": 0.25, "Top": 0.5}},
}
CLASSIFICATION = {"Name": "indoor", "Confidence": 77.0}
CHAMPION = {"versionArn": MODEL_ARN, "versionName": "widgets.v1"}


class Harness:
    def __init__(
        self,
        *,
        min_confidence: float | None = None,
        start: bool = True,
        review_below: float | None = None,
        documents_in_rows: bool = False,
    ) -> None:
        self.s3 = boto3.client("s3")
        self.rekognition = boto3.client("rekognition")
        self.stub = Stubber(self.rekognition)
        self.stub.activate()
        self.table = boto3.resource("dynamodb").Table(RESULTS_TABLE)
        self.analyzer = Analyzer(
            s3=self.s3,
            rekognition=self.rekognition,
            results_table=self.table,
            champions=ChampionCache(lambda: CHAMPION, ttl_seconds=60, project="widgets"),
            starter=ModelStarter(
                self.rekognition, min_inference_units=1, max_inference_units=3, interval_seconds=30
            ),
            settings=Settings(
                min_confidence=min_confidence, start_stopped_model=start, model_retry_seconds=7
            ),
            review=review_set(self.s3, BUCKET, "widgets", review_below),
            documents_in_rows=documents_in_rows,
        )

    def image(self, key: str, body: bytes):
        [image] = images_in_message(json.dumps(upload(self.s3, key, body)))
        return image

    def result(self, key: str) -> dict[str, Any]:
        return json.loads(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    def item(self, image) -> dict[str, Any]:
        key = {"image": f"s3://{BUCKET}/{image.key}", "version": image.version}
        return self.table.get_item(Key=key)["Item"]

    def row_documents(self) -> dict[str, dict[str, Any]]:
        """The documents the rows carry for the result-document writer, by result key."""
        rows = self.table.scan()["Items"]
        prefix = f"s3://{BUCKET}/"
        return {
            row["resultUri"].removeprefix(prefix): json.loads(gzip.decompress(row["document"].value))
            for row in rows
            if "document" in row
        }

    def result_keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="results/")
        return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def harness(resources) -> Harness:
    return Harness()


def expect_detect(harness: Harness, image, labels: list[dict], **extra: Any) -> None:
    s3_object = {"Bucket": BUCKET, "Name": image.key, "Version": image.version_id}
    harness.stub.add_response(
        "detect_custom_labels",
        {"CustomLabels": labels},
        {"ProjectVersionArn": MODEL_ARN, "Image": {"S3Object": s3_object}, **extra},
    )


def test_labels_of_an_image_land_in_s3_and_in_the_table(harness: Harness) -> None:
    image = harness.image("uploads/line 1/photo+1.png", images.png(200, 100))
    expect_detect(harness, image, [DETECTION, CLASSIFICATION])

    outcome = harness.analyzer.analyse(image)

    assert outcome.result_key == "results/line 1/photo+1.png.json"
    document = harness.result(outcome.result_key)
    assert document["status"] == "SUCCEEDED"
    assert document["modelVersionArn"] == MODEL_ARN
    assert document["minConfidence"] is None
    image_section = document["image"]
    assert (image_section["width"], image_section["height"], image_section["format"]) == (200, 100, "PNG")
    widget, indoor = document["labels"]
    assert widget["geometry"]["pixels"] == {"left": 50, "top": 50, "width": 100, "height": 25}
    assert indoor == {"name": "indoor", "confidence": 77.0}
    item = harness.item(image)
    assert item["status"] == "SUCCEEDED" and item["labels"] == ["indoor", "widget"]
    assert item["resultUri"] == f"s3://{BUCKET}/results/line 1/photo+1.png.json"


def test_min_confidence_from_config_is_sent_to_rekognition(resources) -> None:
    harness = Harness(min_confidence=65.0)
    image = harness.image("uploads/a.jpg", images.jpeg())
    expect_detect(harness, image, [], MinConfidence=65.0)
    harness.analyzer.analyse(image)
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"%PDF-1.7 this is a document, not an image" * 10, "not PNG or JPEG"),
        (images.oversized_png(), "over the 15 MB maximum"),
        (images.png(32, 32), "64-4096 px"),
        (images.png(2000, 64), "aspect ratio"),
        (b"", "empty"),
    ],
)
def test_an_unusable_upload_gets_an_error_result_without_calling_rekognition(
    harness: Harness, body: bytes, reason: str
) -> None:
    image = harness.image("uploads/bad/file.png", body)
    outcome = harness.analyzer.analyse(image)  # the stub has no response: a call would fail the test

    assert outcome.status == "FAILED"
    assert harness.result_keys() == ["results/bad/file.png.error.json"]
    error = harness.result("results/bad/file.png.error.json")["error"]
    assert error["code"] == "INVALID_IMAGE" and reason in error["reason"] and error["fix"]
    item = harness.item(image)
    assert item["status"] == "FAILED" and reason in item["reason"]


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError"]
)
def test_transient_service_errors_write_nothing_and_ask_for_a_retry(harness: Harness, code: str) -> None:
    image = harness.image("uploads/a.png", images.png())
    harness.stub.add_client_error("detect_custom_labels", service_error_code=code, http_status_code=400)
    with pytest.raises(TransientProblem):
        harness.analyzer.analyse(image)
    assert harness.result_keys() == []


def test_a_stopped_model_is_started_once_and_the_image_retried_later(harness: Harness) -> None:
    first = harness.image("uploads/a.png", images.png())
    second = harness.image("uploads/b.png", images.png())
    harness.stub.add_client_error("detect_custom_labels", service_error_code="ResourceNotReadyException")
    harness.stub.add_response(
        "start_project_version",
        {"Status": "STARTING"},
        {"ProjectVersionArn": MODEL_ARN, "MinInferenceUnits": 1, "MaxInferenceUnits": 3},
    )
    # the second image finds the start already requested by this container: no second start call
    harness.stub.add_client_error("detect_custom_labels", service_error_code="ResourceNotReadyException")
    for image in (first, second):
        with pytest.raises(ModelNotRunning) as raised:
            harness.analyzer.analyse(image)
        assert raised.value.base_seconds == 7
    harness.stub.assert_no_pending_responses()
    assert harness.result_keys() == []


def test_start_while_already_starting_is_not_an_error(harness: Harness) -> None:
    image = harness.image("uploads/a.png", images.png())
    harness.stub.add_client_error("detect_custom_labels", service_error_code="ResourceNotReadyException")
    harness.stub.add_client_error("start_project_version", service_error_code="ResourceInUseException")
    with pytest.raises(ModelNotRunning):
        harness.analyzer.analyse(image)


def test_on_model_stopped_fail_writes_an_error_result(resources) -> None:
    harness = Harness(start=False)
    image = harness.image("uploads/a.png", images.png())
    harness.stub.add_client_error("detect_custom_labels", service_error_code="ResourceNotReadyException")
    outcome = harness.analyzer.analyse(image)
    assert outcome.status == "FAILED"
    error = harness.result("results/a.png.error.json")["error"]
    assert error["code"] == "MODEL_NOT_RUNNING" and "onModelStopped=fail" in error["reason"]


def test_an_uploads_row_carries_its_document_for_the_writer_instead_of_a_put(resources) -> None:
    harness = Harness(documents_in_rows=True)
    image = harness.image("uploads/photo.png", images.png(200, 100))
    expect_detect(harness, image, [DETECTION, CLASSIFICATION])

    outcome = harness.analyzer.analyse(image)

    assert harness.result_keys() == []
    document = harness.row_documents()[outcome.result_key]
    assert document["status"] == "SUCCEEDED" and [label["name"] for label in document["labels"]] == [
        "widget",
        "indoor",
    ]
    assert document["labels"][0]["geometry"]["pixels"] == {"left": 50, "top": 50, "width": 100, "height": 25}


def test_a_document_too_large_for_a_row_is_put_at_once(resources, monkeypatch) -> None:
    monkeypatch.setattr(results, "MAX_ROW_DOCUMENT_BYTES", 100)
    harness = Harness(documents_in_rows=True)
    image = harness.image("uploads/many.png", images.png(200, 100))
    expect_detect(harness, image, [DETECTION] * 5)

    outcome = harness.analyzer.analyse(image)

    assert harness.result_keys() == [outcome.result_key]
    assert "document" not in harness.item(image)
    assert len(harness.result(outcome.result_key)["labels"]) == 5
