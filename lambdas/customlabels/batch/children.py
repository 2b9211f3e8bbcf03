"""AnalyseBatch: one child workflow's batch of images, through the upload path's analyser.

Each item is an S3 ListObjectsV2 entry (``Key``; the bucket comes with the batch) or a manifest line
(``source-ref``). Keys that are not images (by extension) are ignored. An image whose result for this
model version already exists (results table) is skipped, so a re-run or a retried batch never
analyses twice. Throttling and other transient problems are retried per image with exponential
back-off and jitter; what is still failing after the last attempt is reported, not raised, so one bad
image never re-runs a whole batch.

Per image the child makes three calls: one ranged GET of the header (which also names the version:
no HeadObject), DetectCustomLabels and the result document's PutObject. The model version comes with
the batch, and the results table is read and written once per batch (``result_items``). The GETs run
concurrently, then the batch's idempotency check, then the analyses concurrently, then the items.
"""

from __future__ import annotations

import contextvars
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from customlabels.inference import results
from customlabels.inference.analyzer import Analyzer, Outcome
from customlabels.inference.errors import TransientProblem, error_code, retry_delay
from customlabels.inference.events import ImageVersion
from customlabels.inference.result_items import ResultItems
from customlabels.manifest.images import FIRST_RANGE, FirstRead
from customlabels.s3uri import parse_s3_uri

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
ANALYSED, SKIPPED, FAILED, IGNORED = "ANALYSED", "SKIPPED", "FAILED", "IGNORED"
RETRY_ATTEMPTS = 8
RETRY_CAP_SECONDS = 16
MISSING = {"404", "NoSuchKey", "NotFound"}
EMPTY_OBJECT = "InvalidRange"  # a ranged GET of a 0-byte object


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


@dataclass(frozen=True)
class _Found:
    """An image item whose version was read: analysed next unless its result exists."""

    uri: str
    image: ImageVersion
    first: FirstRead | None  # None: a 0-byte object (HeadObject), the probe reports it


_Item = TypeVar("_Item")
_Answer = TypeVar("_Answer")


class BatchAnalyser:
    def __init__(
        self,
        *,
        s3: Any,
        result_items: ResultItems,
        results_bucket: str,
        analyzer_for: Callable[[str, str, float | None], Analyzer],
        concurrency: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._s3 = s3
        self._items = result_items
        self._results_bucket = results_bucket
        self._analyzer_for = analyzer_for
        self._concurrency = concurrency
        self._sleep = sleep

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        batch = event["BatchInput"]
        version_arn = batch["versionArn"]
        analyzer = self._analyzer_for(version_arn, batch["versionName"], batch.get("minConfidence"))
        # S3 reads are not bounded by the model's throughput: the header GETs run twice as wide.
        with ThreadPoolExecutor(max_workers=2 * self._concurrency) as readers:
            located = self._each(readers, lambda item: self.locate(item, batch["bucket"]), event["Items"])
        with ThreadPoolExecutor(max_workers=self._concurrency) as pool:
            found = [entry for entry in located if isinstance(entry, _Found)]
            stored = self._items.existing((entry.uri, entry.image.version) for entry in found)
            done = {
                entry.uri: item
                for entry in found
                if (item := stored.get((entry.uri, entry.image.version))) is not None
                and item.get("status") == results.SUCCEEDED
                and item.get("modelVersionArn") == version_arn
            }
            # an image listed twice is analysed once
            todo = list({entry.uri: entry for entry in found if entry.uri not in done}.values())
            outcomes = dict(zip(
                (entry.uri for entry in todo),
                self._each(pool, lambda entry: self.analyse(entry, analyzer), todo),
                strict=True,
            ))
        self._items.write(
            outcome.table_item
            for outcome in outcomes.values()
            if isinstance(outcome, Outcome) and outcome.table_item is not None
        )
        images = [self._answer(entry, done, outcomes) for entry in located]
        counts = Counter(image["status"] for image in images)
        return {"images": images, "counts": dict(counts)}

    def _each(
        self, pool: ThreadPoolExecutor, work: Callable[[_Item], _Answer], items: Iterable[_Item]
    ) -> list[_Answer]:
        # Each thread runs in a copy of this context, as asyncio.to_thread would (Lambda's environment).
        futures = [pool.submit(contextvars.copy_context().run, work, item) for item in items]
        return [future.result() for future in futures]

    def locate(self, item: Any, bucket: str) -> _Found | dict[str, Any]:
        """The image's version and header bytes (one ranged GET), or the item's final answer."""
        location = item_location(item, bucket)
        if location is None:
            reason = f"item {item!r} names no S3 object"
            return {"image": None, "status": FAILED, "code": "NOT_AN_OBJECT", "reason": reason}
        uri = f"s3://{location[0]}/{location[1]}"
        if not is_image_key(location[1]):
            return {"image": uri, "status": IGNORED}
        try:
            return self._read_header(uri, *location)
        except ClientError as error:
            code = "NOT_FOUND" if error_code(error) in MISSING else error_code(error)
            return {"image": uri, "status": FAILED, "code": code, "reason": str(error)}

    def analyse(self, entry: _Found, analyzer: Analyzer) -> Outcome | dict[str, Any]:
        attempt = 1
        while True:
            try:
                return analyzer.analyse(entry.image, first=entry.first, record=False)
            except TransientProblem as problem:
                if attempt == RETRY_ATTEMPTS:
                    return {"image": entry.uri, "status": FAILED, "code": "TRANSIENT", "reason": str(problem)}
                self._sleep(retry_delay(attempt, problem.base_seconds, cap_seconds=RETRY_CAP_SECONDS))
                attempt += 1

    def _answer(
        self,
        entry: _Found | dict[str, Any],
        done: dict[str, dict[str, Any]],
        outcomes: dict[str, Outcome | dict[str, Any]],
    ) -> dict[str, Any]:
        if not isinstance(entry, _Found):
            return entry
        if entry.uri in done:
            item = done[entry.uri]
            labels = [{"name": name} for name in item.get("labels", [])]
            return {"image": entry.uri, "status": SKIPPED, "labels": labels, "result": item.get("resultUri")}
        outcome = outcomes[entry.uri]
        if not isinstance(outcome, Outcome):
            return outcome
        answer: dict[str, Any] = {
            "image": entry.uri,
            "status": ANALYSED if outcome.status == results.SUCCEEDED else FAILED,
            "result": f"s3://{self._results_bucket}/{outcome.result_key}",
            "labels": [
                {"name": label["name"], "confidence": label["confidence"]} for label in outcome.labels
            ],
        }
        if outcome.error:
            answer.update(code=outcome.error["code"], reason=outcome.error["reason"])
        return answer

    def _read_header(self, uri: str, bucket: str, key: str) -> _Found:
        try:
            response = self._s3.get_object(Bucket=bucket, Key=key, Range=FIRST_RANGE)
            first: FirstRead | None = FirstRead.of(response)
        except ClientError as error:
            if error_code(error) != EMPTY_OBJECT:
                raise
            response, first = self._s3.head_object(Bucket=bucket, Key=key), None
        version_id = response.get("VersionId")
        if version_id == "null":
            version_id = None
        modified = response.get("LastModified")
        image = ImageVersion(
            bucket=bucket,
            key=key,
            version=version_id or response["ETag"].strip('"'),
            version_id=version_id,
            size=first.size if first else response.get("ContentLength"),
            uploaded_at=modified.isoformat() if modified else None,
        )
        return _Found(uri, image, first)
