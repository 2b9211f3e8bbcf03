"""SummariseBatch: reads the Distributed Map's ResultWriter files and writes, under
``batches/<execution>/``, ``summary.json`` (counts per label, analysed / skipped / failed with reasons,
images per second, model version) and ``results.jsonl`` (one line per image with its labels).

The ResultWriter manifest lists result files per child status; each file is a JSON array of child
executions whose ``Input`` (the batch) and ``Output`` (AnalyseBatch's answer) are JSON strings. A failed
child's images count as failed with the child's error as the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from customlabels.batch.children import ANALYSED, FAILED, IGNORED, SKIPPED, item_location
from customlabels.batch.contract import SummaryOutput

PART_BYTES = 8 * 1024 * 1024  # multipart parts (S3 minimum 5 MiB): results.jsonl is never held whole
FAILURE_EXAMPLES = 50


class JsonLinesUpload:
    """Streams lines into one S3 object with a multipart upload."""

    def __init__(self, s3: Any, bucket: str, key: str) -> None:
        self._s3, self._bucket, self._key = s3, bucket, key
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id = s3.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType="application/x-ndjson"
        )["UploadId"]

    def write(self, record: dict[str, Any]) -> None:
        self._buffer += json.dumps(record, ensure_ascii=False).encode() + b"\n"
        if len(self._buffer) >= PART_BYTES:
            self._flush()

    def _flush(self) -> None:
        number = len(self._parts) + 1
        answer = self._s3.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buffer),
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer.clear()

    def close(self) -> None:
        if self._buffer or not self._parts:
            self._flush()
        self._s3.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)


def _read_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def child_images(s3: Any, writer_details: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(child status, image answer) for every image of every child workflow the ResultWriter recorded."""
    bucket = writer_details["Bucket"]
    manifest = _read_json(s3, bucket, writer_details["Key"])
    for status, files in manifest.get("ResultFiles", {}).items():
        for entry in files:
            for child in _read_json(s3, manifest.get("DestinationBucket", bucket), entry["Key"]):
                yield from _images_of(status, child)


def _images_of(status: str, child: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    output = json.loads(child["Output"]) if child.get("Output") else None
    if status == "SUCCEEDED" and isinstance(output, dict):
        for image in output.get("images", []):
            yield status, image
        return
    batch = json.loads(child["Input"]) if child.get("Input") else {}
    reason = ": ".join(part for part in (child.get("Error"), child.get("Cause")) if part) or status
    bucket = batch.get("BatchInput", {}).get("bucket", "")
    for item in batch.get("Items", []):
        location = item_location(item, bucket)
        uri = f"s3://{location[0]}/{location[1]}" if location else None
        yield status, {"image": uri, "status": FAILED, "code": "CHILD_WORKFLOW_" + status, "reason": reason}


def summarise(event: dict[str, Any], s3: Any, now: datetime | None = None) -> dict[str, Any]:
    settings, model = event["settings"], event["model"]
    bucket, prefix = settings["outputBucket"], settings["outputPrefix"]
    manifest_key = f"{prefix}/results.jsonl"
    counts: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    upload = JsonLinesUpload(s3, bucket, manifest_key)
    try:
        for _status, image in child_images(s3, event["map"]["ResultWriterDetails"]):
            counts[image["status"]] += 1
            if image["status"] == IGNORED:
                continue
            if image["status"] == FAILED:
                reasons[image.get("code", "FAILED")] += 1
                if len(examples) < FAILURE_EXAMPLES:
                    examples.append({key: image.get(key) for key in ("image", "code", "reason")})
            else:
                labels.update({label["name"] for label in image.get("labels", [])})
            upload.write(image)
        upload.close()
    except Exception:
        upload.abort()
        raise
    finished = now or datetime.now(UTC)
    started = datetime.fromisoformat(event["startedAt"].replace("Z", "+00:00"))
    seconds = max((finished - started).total_seconds(), 0.001)
    handled = counts[ANALYSED] + counts[SKIPPED] + counts[FAILED]
    rate, summary_uri = round(handled / seconds, 2), f"s3://{bucket}/{prefix}/summary.json"
    output = SummaryOutput(
        execution=event["executionName"],
        source=settings["source"],
        modelVersion={"name": model["versionName"], "arn": model["versionArn"]},
        images={
            "total": handled,
            "analysed": counts[ANALYSED],
            "skipped": counts[SKIPPED],
            "failed": counts[FAILED],
            "notImages": counts[IGNORED],
        },
        labels=dict(sorted(labels.items())),
        failures={"reasons": dict(reasons), "examples": examples},
        imagesPerSecond=rate,
        seconds=round(seconds, 1),
        startedAt=event["startedAt"],
        finishedAt=finished.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        resultsManifest=f"s3://{bucket}/{manifest_key}",
        summary=summary_uri,
        message=(
            f"batch {event['executionName']}: {counts[ANALYSED]} analysed, {counts[SKIPPED]} skipped, "
            f"{counts[FAILED]} failed of {handled} images from {settings['source']} "
            f"({rate} images/s); summary {summary_uri}"
        ),
    ).to_state()
    document = {key: value for key, value in output.items() if key != "message"}
    s3.put_object(
        Bucket=bucket,
        Key=f"{prefix}/summary.json",
        Body=json.dumps(document, indent=2).encode(),
        ContentType="application/json",
    )
    return output
