"""S3 event notifications as SQS message bodies -> the image versions they announce.

S3 URL-encodes object keys in events (a space arrives as ``+``, a ``+`` as ``%2B``), so every key is
``unquote_plus``-ed. Only keys under ``uploads/`` are images to analyse: anything else (a result
under ``results/``) is ignored, so results can never trigger processing even if a filter is wrong.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote_plus

from customlabels.storage_layout import UPLOADS_PREFIX

TEST_EVENT = "s3:TestEvent"


class MalformedMessage(ValueError):
    """The message is not an S3 event notification; it is failed so it ends in the dead-letter queue."""


@dataclass(frozen=True)
class ImageVersion:
    bucket: str
    key: str
    version: str  # the object's versionId, or its ETag when the bucket is not versioned
    version_id: str | None
    size: int | None
    uploaded_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def relative_key(self) -> str:
        """The key below ``uploads/``: results are written under the same relative key. An image
        elsewhere (a batch analysis of another prefix or bucket) is named by its bucket and key."""
        if self.key.startswith(UPLOADS_PREFIX):
            return self.key[len(UPLOADS_PREFIX):]
        return f"{self.bucket}/{self.key}"


def images_in_message(body: str) -> list[ImageVersion]:
    try:
        event = json.loads(body)
    except json.JSONDecodeError as error:
        raise MalformedMessage(f"message body is not JSON ({error}); expected an S3 event") from None
    if not isinstance(event, dict):
        raise MalformedMessage("message body is not a JSON object; expected an S3 event notification")
    if event.get("Event") == TEST_EVENT:
        return []
    records = event.get("Records")
    if not isinstance(records, list):
        raise MalformedMessage("message has no 'Records' list; expected an S3 event notification")
    images = [_image(record) for record in records if _is_object_created(record)]
    return [image for image in images if image.key.startswith(UPLOADS_PREFIX)]


def _is_object_created(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and record.get("eventSource") == "aws:s3"
        and str(record.get("eventName", "")).startswith("ObjectCreated:")
    )


def _image(record: dict[str, Any]) -> ImageVersion:
    try:
        bucket = record["s3"]["bucket"]["name"]
        obj = record["s3"]["object"]
        key = unquote_plus(obj["key"])
    except (KeyError, TypeError) as error:
        raise MalformedMessage(f"S3 record lacks {error}: expected s3.bucket.name, s3.object.key") from None
    version_id = obj.get("versionId") or None
    etag = obj.get("eTag") or obj.get("etag")
    if not (version_id or etag):
        raise MalformedMessage(f"S3 record for {key!r} has neither versionId nor eTag")
    return ImageVersion(
        bucket=bucket,
        key=key,
        version=version_id or etag,
        version_id=version_id,
        size=obj.get("size"),
        uploaded_at=record.get("eventTime"),
    )
