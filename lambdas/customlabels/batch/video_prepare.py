"""PrepareBatch for a video source: read the container's header (ranged GETs, no download), cut the
sampling instants into chunks and write them as JSON Lines, the Distributed Map's items.

``batches/<execution>/chunks.jsonl``: one line per chunk, ``{"chunk", "firstFrame", "endFrame"}``.
The run's ``video`` settings pin the object version, so every chunk reads the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from customlabels.batch.settings import BatchSettings
from customlabels.inference.errors import error_code
from customlabels.inference.s3_object_file import open_object
from customlabels.inference.video_frames import Video, VideoProblem
from customlabels.inference.video_plan import plan_chunks

# HeadObject of a missing key reads 403 without s3:ListBucket, which this function does not need.
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion", "403", "AccessDenied", "Forbidden"}


def plan_video(
    s3: Any, settings: dict[str, Any], env: BatchSettings, problems: list[str]
) -> dict[str, Any] | None:
    """The run's ``video`` settings (object version, header, chunk plan) after writing the chunks, or
    None with the reason in ``problems``."""
    bucket, key, version_id = settings["bucket"], settings["key"], settings["sourceVersionId"]
    try:
        head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
    except ClientError as error:
        if error_code(error) not in MISSING:
            raise
        problems.append(
            f"source {settings['source']} (version {version_id or 'current'}) does not exist or cannot "
            "be read"
        )
        return None
    version_id = head.get("VersionId") if head.get("VersionId") not in (None, "null") else None
    size = head["ContentLength"]
    try:
        with (
            open_object(s3, bucket, key, version_id=version_id, size=size) as file,
            Video(file) as video,
        ):
            info = video.info
    except VideoProblem as problem:
        problems.append(f"source {settings['source']} is not a video the decoder reads: {problem}")
        return None
    fps = env.video_frames_per_second
    expected = info.expected_frames(fps)
    chunks = plan_chunks(expected or 1, env.video_frames_per_chunk)
    chunks_key = f"{settings['outputPrefix']}/chunks.jsonl"
    s3.put_object(
        Bucket=settings["outputBucket"],
        Key=chunks_key,
        Body="".join(json.dumps(chunk) + "\n" for chunk in chunks).encode(),
        ContentType="application/x-ndjson",
    )
    modified = head.get("LastModified")
    return {
        "bucket": bucket,
        "key": key,
        "version": version_id or head["ETag"].strip('"'),
        "versionId": version_id,
        "size": size,
        "uploadedAt": modified.isoformat() if modified else None,
        "codec": info.codec,
        "width": info.width,
        "height": info.height,
        "durationMs": info.duration_ms,
        "framesPerSecond": fps,
        "expectedFrames": expected,
        "framesPerChunk": env.video_frames_per_chunk,
        "chunks": len(chunks),
        "chunksKey": chunks_key,
    }
