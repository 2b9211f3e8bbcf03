"""AnalyseVideoChunk (the video Map's child): one chunk of a long video's sampling instants.

The chunk opens the pinned video version through ranged GETs, seeks to the keyframe before its window
and decodes only up to its end; each sampled frame goes through the upload path's analyser
(``frame_entry``), ``concurrency`` frames at a time, throttling retried per frame with exponential
back-off and jitter. The chunk's timeline (or the permanent problem that stopped it) is written to
``batches/<execution>/chunks/<chunk>.json`` for MergeVideo; a frame still failing after the last
attempt fails the child, so the Map (which tolerates no failed chunk) retries or fails the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

from customlabels.inference.analyzer import Analyzer
from customlabels.inference.champion import Champion
from customlabels.inference.errors import ImageProblem, TransientProblem, retry_delay
from customlabels.inference.s3_object_file import open_object
from customlabels.inference.video import FIX, frame_entry
from customlabels.inference.video_frames import Frame, Video, VideoProblem

RETRY_ATTEMPTS = 8
RETRY_CAP_SECONDS = 16


def chunk_key(output_prefix: str, chunk: int) -> str:
    return f"{output_prefix}/chunks/{chunk:05d}.json"


class VideoChunks:
    def __init__(
        self,
        *,
        s3: Any,
        analyzer_for: Callable[[str, str, float | None], Analyzer],
        concurrency: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._s3 = s3
        self._analyzer_for = analyzer_for
        self._concurrency = concurrency
        self._sleep = sleep

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        batch = event["BatchInput"]
        analyzer = self._analyzer_for(batch["versionArn"], batch["versionName"], batch.get("minConfidence"))
        answers = [self._chunk(item, batch, analyzer) for item in event["Items"]]
        return {"chunks": answers, "frames": sum(answer["frames"] for answer in answers)}

    def _chunk(self, item: dict[str, Any], batch: dict[str, Any], analyzer: Analyzer) -> dict[str, Any]:
        video = batch["video"]
        document: dict[str, Any] = {"chunk": item["chunk"], "timeline": []}
        try:
            with (
                open_object(
                    self._s3, video["bucket"], video["key"], version_id=video["versionId"], size=video["size"]
                ) as file,
                Video(file) as opened,
            ):
                frames = opened.frames(video["framesPerSecond"], item["firstFrame"], item["endFrame"])
                document["timeline"] = self._detect(frames, analyzer, analyzer.champion())
        except (VideoProblem, ImageProblem) as problem:
            fix = getattr(problem, "fix", FIX)
            document["error"] = {"code": problem.code, "reason": problem.reason, "fix": fix}
        key = chunk_key(batch["outputPrefix"], item["chunk"])
        self._s3.put_object(
            Bucket=batch["outputBucket"],
            Key=key,
            Body=json.dumps(document).encode(),
            ContentType="application/json",
        )
        return {
            "chunk": item["chunk"],
            "frames": len(document["timeline"]),
            "key": key,
            "error": document.get("error"),
        }

    def _detect(
        self, frames: Iterator[Frame], analyzer: Analyzer, champion: Champion
    ) -> list[dict[str, Any]]:
        timeline: list[dict[str, Any]] = []
        with ThreadPoolExecutor(max_workers=self._concurrency) as pool:
            while group := list(islice(frames, self._concurrency)):
                timeline.extend(pool.map(lambda frame: self._entry(frame, analyzer, champion), group))
        return timeline

    def _entry(self, frame: Frame, analyzer: Analyzer, champion: Champion) -> dict[str, Any]:
        attempt = 1
        while True:
            try:
                return frame_entry(analyzer, frame, champion)
            except TransientProblem as problem:
                if attempt == RETRY_ATTEMPTS:
                    raise
                self._sleep(retry_delay(attempt, problem.base_seconds, cap_seconds=RETRY_CAP_SECONDS))
                attempt += 1
