"""AnalyseBatch: one child workflow's batch of images, through the upload path's analyser.

Each item is an S3 ListObjectsV2 entry (``Key``; the bucket comes with the batch) or a manifest line
(``source-ref``). Keys that are not images (by extension) are ignored. An image whose result for this
model version already exists (results table) is skipped, so a re-run or a retried batch never
analyses twice. Throttling and other transient problems are retried per image with exponential
back-off and jitter; what is still failing after the last attempt is reported, not raised, so one bad
image never re-runs a whole batch.
"""

from __future__ import annotations

import contextvars
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from customlabels.inference import results
from customlabels.inference.analyzer import Analyzer
from customlabels.inference.errors import TransientProblem, error_code, retry_delay
from customlabels.inference.events import ImageVersion
from customlabels.s3uri import parse_s3_uri

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
ANALYSED, SKIPPED, FAILED, IGNORED = "ANALYSED", "SKIPPED", "FAILED", "IGNORED"
RETRY_ATTEMPTS = 8
RETRY_CAP_SECONDS = 16
MISSING = {"404", "NoSuchKey", "NotFound"}


def is_image_key(key: str) -> bool:
    return key.lower().endswith(IMAGE_SUFFIXES)


def item_location(item: Any, bucket: str) -> tuple[str, str] | None:
    """(bucket, key) of a ListObjectsV2 entry or a manifest line; None when it names no object."""
    if isinstance(item, dict) and isinstance(item.get("Key"), str):
        return bucket, item["Key"]
    if isinstance(item, dict) and isinstance(item.get("source-ref"), str):
        try:
            uri = parse_s3_uri(item["source-ref"])
        except ValueError:
            return None
        return uri.bucket, uri.key
    return None


class BatchAnalyser:
    def __init__(
        self,
        *,
        s3: Any,
        results_table: Any,
        results_bucket: str,
        analyzer_for: Callable[[str, str, float | None], Analyzer],
        concurrency: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._s3 = s3
        self._table = results_table
        self._results_bucket = results_bucket
        self._analyzer_for = analyzer_for
        self._concurrency = concurrency
        self._sleep = sleep

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        batch = event["BatchInput"]
        analyzer = self._analyzer_for(batch["versionArn"], batch["versionName"], batch.get("minConfidence"))

        def one(item: Any) -> dict[str, Any]:
            return self.analyse_item(item, batch["bucket"], batch["versionArn"], analyzer)

        with ThreadPoolExecutor(max_workers=self._concurrency) as pool:
            # Each thread runs in a copy of this context, as asyncio.to_thread would (Lambda's environment).
            futures = [pool.submit(contextvars.copy_context().run, one, item) for item in event["Items"]]
            images = [future.result() for future in futures]
        counts = Counter(image["status"] for image in images)
        return {"images": images, "counts": dict(counts)}

    def analyse_item(self, item: Any, bucket: str, version_arn: str, analyzer: Analyzer) -> dict[str, Any]:
        location = item_location(item, bucket)
        if location is None:
            reason = f"item {item!r} names no S3 object"
            return {"image": None, "status": FAILED, "code": "NOT_AN_OBJECT", "reason": reason}
        uri = f"s3://{location[0]}/{location[1]}"
        if not is_image_key(location[1]):
            return {"image": uri, "status": IGNORED}
        try:
            image = self._image_version(*location)
        except ClientError as error:
            code = "NOT_FOUND" if error_code(error) in MISSING else error_code(error)
            return {"image": uri, "status": FAILED, "code": code, "reason": str(error)}
        done = self._existing_result(uri, image.version, version_arn)
        if done is not None:
            labels = [{"name": name} for name in done.get("labels", [])]
            return {"image": uri, "status": SKIPPED, "labels": labels, "result": done.get("resultUri")}
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                outcome = analyzer.analyse(image)
                break
            except TransientProblem as problem:
                if attempt == RETRY_ATTEMPTS:
                    return {"image": uri, "status": FAILED, "code": "TRANSIENT", "reason": str(problem)}
                self._sleep(retry_delay(attempt, problem.base_seconds, cap_seconds=RETRY_CAP_SECONDS))
        answer: dict[str, Any] = {
            "image": uri,
            "status": ANALYSED if outcome.status == results.SUCCEEDED else FAILED,
            "result": f"s3://{self._results_bucket}/{outcome.result_key}",
            "labels": [
                {"name": label["name"], "confidence": label["confidence"]} for label in outcome.labels
            ],
        }
        if outcome.error:
            answer.update(code=outcome.error["code"], reason=outcome.error["reason"])
        return answer

    def _image_version(self, bucket: str, key: str) -> ImageVersion:
        head = self._s3.head_object(Bucket=bucket, Key=key)
        version_id = head.get("VersionId")
        if version_id == "null":
            version_id = None
        modified = head.get("LastModified")
        return ImageVersion(
            bucket=bucket,
            key=key,
            version=version_id or head["ETag"].strip('"'),
            version_id=version_id,
            size=head.get("ContentLength"),
            uploaded_at=modified.isoformat() if modified else None,
        )

    def _existing_result(self, uri: str, version: str, version_arn: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"image": uri, "version": version}).get("Item")
        if item and item.get("status") == results.SUCCEEDED and item.get("modelVersionArn") == version_arn:
            return item
        return None
