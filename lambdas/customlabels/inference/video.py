"""One uploaded video in, one timeline result out: sample frames, detect each on the champion.

Frames go through the image path's own detection (``Analyzer.detect`` with ``Image.Bytes``: same
champion, MinConfidence, error classification and result writing). A video the decoder cannot read,
or one too long for one run, gets ``results/<key>.error.json`` and is not retried; throttling or a
stopped model raise TransientProblem, so the whole video is retried through the queue.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from math import floor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.inference import results
from customlabels.inference.analyzer import Analyzer, Outcome
from customlabels.inference.champion import Champion
from customlabels.inference.errors import ImageProblem, TransientProblem
from customlabels.inference.events import ImageVersion
from customlabels.inference.video_frames import Video, VideoInfo, VideoProblem
from customlabels.inference.video_timeline import label_summaries, segments

TOO_LONG = "VIDEO_TOO_LONG"
TOO_LARGE = "VIDEO_TOO_LARGE"
FIX = "upload an .mp4 or .mov (H.264, H.265, VP9, AV1, MPEG-4 ...) that plays and holds at least one frame"
LONG_FIX = (
    "split the video into shorter parts, or extract its frames as images under a prefix and run "
    "`customlabels analyse s3://bucket/prefix/`"
)


@dataclass(frozen=True)
class VideoSettings:
    frames_per_second: float
    max_frames: int  # frames one run analyses within the safe margin of the function's timeout
    frames_per_second_analysed: float  # the measured rate max_frames was derived from (for the reason)
    max_bytes: int  # what fits the function's /tmp


def max_frames(timeout_seconds: float, margin: float, frames_per_second_analysed: float) -> int:
    """Frames that fit in ``margin`` (a share) of the timeout at the measured analysis rate."""
    return max(1, floor(timeout_seconds * margin * frames_per_second_analysed))


class VideoAnalyzer:
    def __init__(self, *, analyzer: Analyzer, s3: Any, settings: VideoSettings) -> None:
        self._analyzer = analyzer
        self._s3 = s3
        self._settings = settings

    def analyse(self, video: ImageVersion) -> Outcome:
        """Write the timeline (or error) result of ``video``; raise TransientProblem to retry it."""
        started_at = results.now_iso()
        try:
            with tempfile.NamedTemporaryFile(suffix=".video") as scratch:
                self._download(video, scratch)
                with Video(scratch.name) as opened:
                    info = opened.info
                    self._check_length(info)
                    champion = self._analyzer.champion()
                    timeline = self._timeline(opened, champion)
        except (VideoProblem, ImageProblem) as problem:
            fix = LONG_FIX if problem.code == TOO_LONG else getattr(problem, "fix", FIX)
            document = results.failure_document(
                video, code=problem.code, reason=problem.reason, fix=fix, started_at=started_at
            )
            return self._analyzer.publish(video, document, champion=None, label_count=0)
        labels = label_summaries(timeline)
        document = {
            "status": results.SUCCEEDED,
            "image": results.image_section(video, (info.width, info.height), None),
            "video": {"codec": info.codec, "framesPerSecond": self._settings.frames_per_second},
            "modelVersionArn": champion.version_arn,
            "modelVersionName": champion.version_name,
            "minConfidence": self._analyzer.min_confidence,
            "durationMs": info.duration_ms if info.duration_ms is not None else timeline[-1]["timestampMs"],
            "frameCount": len(timeline),
            "labels": labels,
            "segments": segments(timeline),
            "timeline": timeline,
            "uploadedAt": video.uploaded_at,
            "startedAt": started_at,
            "finishedAt": results.now_iso(),
        }
        return self._analyzer.publish(video, document, champion=champion, label_count=len(labels))

    def _download(self, video: ImageVersion, scratch: Any) -> None:
        if video.size is not None and video.size > self._settings.max_bytes:
            raise VideoProblem(
                TOO_LARGE,
                f"{video.size} bytes is more than the {self._settings.max_bytes} bytes the function's "
                "scratch space holds",
            )
        extra = {"VersionId": video.version_id} if video.version_id else None
        try:
            self._s3.download_fileobj(video.bucket, video.key, scratch, ExtraArgs=extra)
        except (BotoCoreError, ClientError) as error:
            raise TransientProblem(f"reading s3://{video.bucket}/{video.key} failed: {error}") from error
        scratch.flush()

    def _check_length(self, info: VideoInfo) -> None:
        expected = info.expected_frames(self._settings.frames_per_second)
        if expected is not None and expected > self._settings.max_frames:
            raise self._too_long(expected)

    def _too_long(self, frames: int) -> VideoProblem:
        limit, rate = self._settings.max_frames, self._settings.frames_per_second_analysed
        return VideoProblem(
            TOO_LONG,
            f"too long for one run: {frames} frames at {rate:g} frames/s exceeds the margin of "
            f"{limit} frames",
        )

    def _timeline(self, video: Video, champion: Champion) -> list[dict[str, Any]]:
        timeline: list[dict[str, Any]] = []
        for frame in video.frames(self._settings.frames_per_second):
            if len(timeline) == self._settings.max_frames:  # the container understated its duration
                raise self._too_long(len(timeline) + 1)
            labels = self._analyzer.detect({"Bytes": frame.jpeg}, champion)
            dimensions = (frame.width, frame.height)
            timeline.append(
                {
                    "timestampMs": frame.timestamp_ms,
                    "labels": [results.label_document(label, dimensions) for label in labels],
                }
            )
        return timeline
