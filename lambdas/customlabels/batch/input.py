"""The batch-analysis execution input, checked once with every problem listed (like the training input)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from customlabels.inference.video_plan import VIDEO_EXTENSIONS, is_video
from customlabels.naming import NAME_PATTERN
from customlabels.s3uri import parse_s3_uri
from customlabels.training.input import Verdict

BATCH_FORM = {
    "source": (
        "s3://<bucket>/<prefix>/ (every image below it), s3://<bucket>/<key>.manifest, or "
        "s3://<bucket>/<key>.mp4|.mov (one video, analysed in frame chunks)"
    ),
    "sourceVersionId": "(optional, a video source only) the version of the video; default: the current one",
    "versionName": "(optional) a model version of the project; default: the champion",
    "minConfidence": "(optional) number 0-100; default: the stack's minConfidence",
    "stopWhenDone": "(optional, default true) stop the model at the end if this run started it",
}
PREFIX = "prefix"
MANIFEST = "manifest"
VIDEO = "video"
MANIFEST_SUFFIX = ".manifest"


def check_batch_input(
    raw: Any, *, readable_buckets: Collection[str], default_min_confidence: float | None
) -> Verdict:
    """The run's settings ({kind, bucket, prefix|key, sourceVersionId, versionName, minConfidence,
    stopWhenDone}) or every problem of the input."""
    verdict = Verdict(form=BATCH_FORM)
    data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if not isinstance(raw, Mapping):
        verdict.problems.append(f"the input must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(data) - set(BATCH_FORM))
    if unknown:
        verdict.problems.append(
            f"unknown field(s) {', '.join(unknown)}: allowed fields are {', '.join(BATCH_FORM)}"
        )
    settings: dict[str, Any] = {**_source(data.get("source"), readable_buckets, verdict.problems)}
    source_version = data.get("sourceVersionId")
    if source_version is not None:
        if settings.get("kind") not in (None, VIDEO):
            verdict.problems.append("sourceVersionId is allowed with a video source only (.mp4, .mov)")
        elif not (isinstance(source_version, str) and source_version):
            verdict.problems.append(f"sourceVersionId={source_version!r} is not allowed: an S3 version id")
    settings["sourceVersionId"] = source_version
    version = data.get("versionName")
    if version is not None and not (isinstance(version, str) and re.fullmatch(NAME_PATTERN, version)):
        verdict.problems.append(f"versionName={version!r} is not allowed: letters, digits, '_', '.', '-'")
    settings["versionName"] = version
    confidence = data.get("minConfidence", default_min_confidence)
    if confidence is not None and not (
        isinstance(confidence, int | float) and not isinstance(confidence, bool) and 0 <= confidence <= 100
    ):
        verdict.problems.append(f"minConfidence={confidence!r} is not allowed: a number from 0 to 100")
    settings["minConfidence"] = confidence
    stop = data.get("stopWhenDone", True)
    if not isinstance(stop, bool):
        verdict.problems.append(f"stopWhenDone={stop!r} is not allowed: true or false")
    settings["stopWhenDone"] = stop
    if not verdict.problems:
        verdict.settings = settings
    return verdict


def _source(value: Any, readable_buckets: Collection[str], problems: list[str]) -> dict[str, Any]:
    if value is None:
        problems.append(f"source is required: {BATCH_FORM['source']}")
        return {}
    if not isinstance(value, str):
        problems.append(f"source must be a string: {BATCH_FORM['source']}")
        return {}
    try:
        uri = parse_s3_uri(value, require_key=False)
    except ValueError as error:
        problems.append(f"source: {error}")
        return {}
    if uri.bucket not in readable_buckets:
        problems.append(
            f"source is in bucket {uri.bucket!r}: the batch analysis reads the stack's buckets only "
            f"({', '.join(sorted(readable_buckets))}); copy the images there"
        )
        return {}
    if uri.key.endswith(MANIFEST_SUFFIX):
        return {"source": value, "kind": MANIFEST, "bucket": uri.bucket, "key": uri.key, "prefix": ""}
    if is_video(uri.key):
        return {"source": value, "kind": VIDEO, "bucket": uri.bucket, "key": uri.key, "prefix": ""}
    if uri.key and not uri.key.endswith("/"):
        problems.append(
            f"source {value!r} is neither a prefix (ending in '/'), a manifest (ending in "
            f"{MANIFEST_SUFFIX!r}) nor a video (ending in {' or '.join(VIDEO_EXTENSIONS)}, any case)"
        )
        return {}
    return {"source": value, "kind": PREFIX, "bucket": uri.bucket, "prefix": uri.key, "key": ""}
