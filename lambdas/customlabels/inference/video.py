"""One uploaded video in, one timeline result out: sample frames, detect each on the champion.

Frames go through the image path's own detection (``Analyzer.detect`` with ``Image.Bytes``: same
champion, MinConfidence, error classification and result writing). The container's header is read
first, through ranged GETs: a video with more frames than one run analyses within the safe margin of
the timeout is handed to the batch-analysis state machine (``long_videos``), which analyses it in
chunks and writes the same result (a stack without that machine gives it a VIDEO_TOO_LONG error
result). A video the decoder cannot read gets ``results/<key>.error.json``
and is not retried; throttling or a stopped model raise TransientProblem, so the whole video is
retried through the queue.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.inference import results
from customlabels.inference.analyzer import Analyzer, Outcome
from customlabels.inference.champion import Champion
from customlabels.inference.errors import ImageProblem, TransientProblem
from customlabels.inference.events import ImageVersion
from customlabels.inference.long_videos import LongVideos
from customlabels.inference.s3_object_file import open_object
from customlabels.inference.video_frames import Frame, Video, VideoInfo, VideoProblem
from customlabels.inference.video_timeline import Analysis, video_document

BATCHED = "BATCHED"  # a long video handed to the batch analysis; its result is written there
TOO_LARGE = "VIDEO_TOO_LARGE"
TOO_LONG = "VIDEO_TOO_LONG"
FIX = "upload an .mp4 or .mov (H.264, H.265, VP9, AV1, MPEG-4 ...) that plays and holds at least one frame"
LONG_FIX = (
    "split the video into shorter parts, or extract its frames as images under a prefix and run "
    "`customlabels analyse s3://bucket/prefix/`"
)


@dataclass(frozen=True)
class VideoSettings:
    frames_per_second: float
    max_frames: int  # frames one run analyses within the safe margin of the function's timeout
    max_bytes: int  # what fits the function's /tmp


class _LongerThanAnnounced(Exception):
    """The container understated its duration: more frames came than one run may analyse."""


class VideoAnalyzer:
    def __init__(
        self, *, analyzer: Analyzer, s3: Any, settings: VideoSettings, long_videos: LongVideos | None
    ) -> None:
        self._analyzer = analyzer
        self._s3 = s3
        self._settings = settings
        self._long_videos = long_videos

    def analyse(self, video: ImageVersion) -> Outcome:
        """Write the timeline (or error) result of ``video``, or start its batch analysis when it is
        long; raise TransientProblem to retry it."""
        started_at = results.now_iso()
        try:
            info = self._header(video)
            expected = info.expected_frames(self._settings.frames_per_second)
            if expected is not None and expected > self._settings.max_frames:
                return self._hand_over(video, expected, started_at)
            self._check_size(video)
            with ExitStack() as stack:
                scratch = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".video"))
                self._download(video, scratch)
                opened = stack.enter_context(Video(scratch.name))
                champion = self._analyzer.champion()
                timeline = self._timeline(opened, champion)
        except _LongerThanAnnounced:
            return self._hand_over(video, self._settings.max_frames + 1, started_at)
        except (VideoProblem, ImageProblem) as problem:
            return self._failed(video, problem, started_at)
        analysis = Analysis(
            codec=info.codec,
            width=info.width,
            height=info.height,
            duration_ms=info.duration_ms,
            frames_per_second=self._settings.frames_per_second,
            model_version_arn=champion.version_arn,
            model_version_name=champion.version_name,
            min_confidence=self._analyzer.min_confidence,
            started_at=started_at,
        )
        document = video_document(video, analysis, timeline)
        return self._analyzer.publish(video, document, champion=champion, label_count=len(document["labels"]))

    def _header(self, video: ImageVersion) -> VideoInfo:
        """The container's header, read with ranged GETs (a long video is never downloaded here)."""
        size = video.size
        if size is None:
            try:
                extra = {"VersionId": video.version_id} if video.version_id else {}
                size = self._s3.head_object(Bucket=video.bucket, Key=video.key, **extra)["ContentLength"]
            except (BotoCoreError, ClientError) as error:
                raise TransientProblem(f"reading s3://{video.bucket}/{video.key} failed: {error}") from error
        with (
            open_object(self._s3, video.bucket, video.key, version_id=video.version_id, size=size) as file,
            Video(file) as opened,
        ):
            return opened.info

    def _failed(
        self, video: ImageVersion, problem: VideoProblem | ImageProblem, started_at: str
    ) -> Outcome:
        fix = LONG_FIX if problem.code == TOO_LONG else getattr(problem, "fix", FIX)
        document = results.failure_document(
            video, code=problem.code, reason=problem.reason, fix=fix, started_at=started_at
        )
        return self._analyzer.publish(video, document, champion=None, label_count=0)

    def _hand_over(self, video: ImageVersion, frames: int, started_at: str) -> Outcome:
        """Start the batch analysis of a long video, or refuse it when the stack has none."""
        if self._long_videos is None:
            reason = (
                f"too long for one run: {frames} frames exceed the {self._settings.max_frames} frames one "
                "run analyses, and this stack has no batch analysis to analyse it in chunks"
            )
            return self._failed(video, VideoProblem(TOO_LONG, reason), started_at)
        execution = self._long_videos.start(video)
        return Outcome(
            status=BATCHED,
            result_key=results.result_key(video, failed=False),
            model_version_arn=None,
            model_version_name=None,
            label_count=0,
            error={"code": BATCHED, "reason": f"analysed in chunks by the batch execution {execution}"},
        )

    def _check_size(self, video: ImageVersion) -> None:
        if video.size is not None and video.size > self._settings.max_bytes:
            raise VideoProblem(
                TOO_LARGE,
                f"{video.size} bytes is more than the {self._settings.max_bytes} bytes the function's "
                "scratch space holds",
            )

    def _download(self, video: ImageVersion, scratch: Any) -> None:
        extra = {"VersionId": video.version_id} if video.version_id else None
        try:
            self._s3.download_fileobj(video.bucket, video.key, scratch, ExtraArgs=extra)
        except (BotoCoreError, ClientError) as error:
            raise TransientProblem(f"reading s3://{video.bucket}/{video.key} failed: {error}") from error
        scratch.flush()

    def _timeline(self, video: Video, champion: Champion) -> list[dict[str, Any]]:
        timeline: list[dict[str, Any]] = []
        for frame in video.frames(self._settings.frames_per_second):
            if len(timeline) == self._settings.max_frames:
                raise _LongerThanAnnounced
            timeline.append(frame_entry(self._analyzer, frame, champion))
        return timeline


def frame_entry(analyzer: Analyzer, frame: Frame, champion: Champion) -> dict[str, Any]:
    """One timeline entry: the frame's timestamp and the labels DetectCustomLabels found in it."""
    labels = analyzer.detect({"Bytes": frame.jpeg}, champion)
    dimensions = (frame.width, frame.height)
    return {
        "timestampMs": frame.timestamp_ms,
        "labels": [results.label_document(label, dimensions) for label in labels],
    }
