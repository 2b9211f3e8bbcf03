from __future__ import annotations

import json

import pytest

from customlabels.inference.events import MalformedMessage, images_in_message
from tests.unit.inference.conftest import s3_event

AWKWARD_KEYS = [
    "uploads/with space/and+plus/photo 1.jpg",
    "uploads/ünïcødé/日本語/画像.png",
    "uploads/a/b/c/d/e/f/g/deep.JPEG",
    "uploads/100% sure & co (1).png",
]


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_keys_are_decoded_to_the_object_key_s3_stored(key: str) -> None:
    [image] = images_in_message(json.dumps(s3_event(key, "abc", 10)))
    assert image.key == key
    assert image.relative_key == key.removeprefix("uploads/")


def test_version_id_identifies_the_version_when_the_bucket_is_versioned() -> None:
    [image] = images_in_message(json.dumps(s3_event("uploads/a.png", "etag1", 10, version_id="v7")))
    assert (image.version, image.version_id) == ("v7", "v7")
    [unversioned] = images_in_message(json.dumps(s3_event("uploads/a.png", "etag1", 10)))
    assert (unversioned.version, unversioned.version_id) == ("etag1", None)


def test_results_and_other_prefixes_never_become_work() -> None:
    for key in ("results/a.png.json", "results/uploads/a.png", "other/a.png"):
        assert images_in_message(json.dumps(s3_event(key, "e", 1))) == []


def test_s3_test_event_sent_when_the_notification_is_configured_is_ignored() -> None:
    body = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b", "RequestId": "r"}
    assert images_in_message(json.dumps(body)) == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"hello": 1}', "'Records'"),
        ('{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {}}]}', "lacks"),
    ],
)
def test_a_message_that_is_not_an_s3_event_is_rejected_with_a_reason(body: str, says: str) -> None:
    with pytest.raises(MalformedMessage, match=says):
        images_in_message(body)
