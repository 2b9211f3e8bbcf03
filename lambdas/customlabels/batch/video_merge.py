"""MergeVideo: the chunk timelines of a long video merged into its one result, ``results/<key>.json``,
in the format of a video analysed in one run (``video_timeline.video_document``), with its
results-table item. A chunk that met a permanent problem (a corrupt stretch, a frame the model
refuses) makes the video's result ``results/<key>.error.json`` with that problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from customlabels.batch.contract import VideoOutput
from customlabels.batch.video_chunk import chunk_key
from customlabels.inference import results
from customlabels.inference.analyzer import Analyzer
from customlabels.inference.events import ImageVersion
from customlabels.inference.video_timeline import Analysis, merge_timelines, video_document

NO_FRAMES = "NO_FRAMES"


def merge_video(
    event: dict[str, Any],
    s3: Any,
    analyzer_for: Callable[[str, str, float | None], Analyzer],
    now: datetime | None = None,
) -> dict[str, Any]:
    settings, model = event["settings"], event["model"]
    video = settings["video"]
    chunks = [
        json.loads(
            s3.get_object(
                Bucket=settings["outputBucket"], Key=chunk_key(settings["outputPrefix"], index)
            )["Body"].read()
        )
        for index in range(video["chunks"])
    ]
    image = ImageVersion(
        bucket=video["bucket"],
        key=video["key"],
        version=video["version"],
        version_id=video["versionId"],
        size=video["size"],
        uploaded_at=video["uploadedAt"],
    )
    analyzer = analyzer_for(model["versionArn"], model["versionName"], settings["minConfidence"])
    timeline = merge_timelines(chunk["timeline"] for chunk in chunks)
    errors = [chunk["error"] for chunk in chunks if chunk.get("error")]
    if not errors and not timeline:
        errors = [{"code": NO_FRAMES, "reason": "the video stream decodes to no frames", "fix": ""}]
    if errors:
        first = errors[0]
        document = results.failure_document(
            image, code=first["code"], reason=first["reason"], fix=first["fix"], started_at=event["startedAt"]
        )
        outcome = analyzer.publish(image, document, champion=None, label_count=0)
    else:
        analysis = Analysis(
            codec=video["codec"],
            width=video["width"],
            height=video["height"],
            duration_ms=video["durationMs"],
            frames_per_second=video["framesPerSecond"],
            model_version_arn=model["versionArn"],
            model_version_name=model["versionName"],
            min_confidence=settings["minConfidence"],
            started_at=event["startedAt"],
        )
        document = video_document(
            image, analysis, timeline, chunks=video["chunks"], batchExecution=event["executionName"]
        )
        outcome = analyzer.publish(
            image, document, champion=analyzer.champion(), label_count=len(document["labels"])
        )
    finished = now or datetime.now(UTC)
    started = datetime.fromisoformat(event["startedAt"].replace("Z", "+00:00"))
    seconds = round(max((finished - started).total_seconds(), 0.0), 1)
    result = f"s3://{settings['outputBucket']}/{outcome.result_key}"
    message = (
        f"batch {event['executionName']}: video {settings['source']} analysed in {video['chunks']} chunks, "
        f"{len(timeline)} frames in {seconds} s: {outcome.status}; result {result}"
    )
    return VideoOutput(
        execution=event["executionName"],
        source=settings["source"],
        modelVersion={"name": model["versionName"], "arn": model["versionArn"]},
        status=outcome.status,
        result=result,
        frames=len(timeline),
        chunks=video["chunks"],
        error=document.get("error"),
        seconds=seconds,
        message=message,
    ).to_state()
