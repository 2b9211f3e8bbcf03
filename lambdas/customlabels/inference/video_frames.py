"""Frames of a video sampled at a fixed rate, as JPEG bytes for DetectCustomLabels.

PyAV (ffmpeg inside its wheels) decodes every frame of the first video stream and keeps the first
frame at or after each sampling instant ``n / frames_per_second``, the way the guide's example keeps
every n-th OpenCV frame. Frames are encoded to JPEG with ffmpeg's own encoder: no Pillow needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import av

# PyAV is imported where a video is opened: its ffmpeg libraries cost the image-only cold start ~40 ms.

JPEG_QUALITY_SCALE = 2  # MJPEG quantiser (ffmpeg's -q:v): near-lossless, well under the 4 MB Bytes limit

CORRUPT_VIDEO = "CORRUPT_VIDEO"
NO_FRAMES = "NO_FRAMES"
UNSUPPORTED_CODEC = "UNSUPPORTED_CODEC"
AV_TIME_BASE = 1_000_000  # ffmpeg's AV_TIME_BASE (av.time_base): container durations are in microseconds


class VideoProblem(Exception):
    """The video itself cannot be read: permanent, it gets an error result."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    duration_ms: int | None  # from the container; None when it does not say

    def expected_frames(self, frames_per_second: float) -> int | None:
        if self.duration_ms is None:
            return None
        return max(1, ceil(self.duration_ms / 1000 * frames_per_second))


@dataclass(frozen=True)
class Frame:
    timestamp_ms: int
    jpeg: bytes
    width: int
    height: int


class Video:
    """An open video file; use as a context manager."""

    def __init__(self, source: str | BinaryIO) -> None:
        import av

        try:
            self._container = av.open(source, mode="r")
        except av.FFmpegError as error:
            raise VideoProblem(CORRUPT_VIDEO, f"not a readable video container: {error}") from None
        if not self._container.streams.video:
            self._container.close()
            raise VideoProblem(NO_FRAMES, "the file holds no video stream")
        self._stream = self._container.streams.video[0]
        if self._stream.codec_context is None:
            self._container.close()
            raise VideoProblem(UNSUPPORTED_CODEC, "the decoder has no codec for the video stream")

    def __enter__(self) -> Video:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._container.close()

    @property
    def info(self) -> VideoInfo:
        context = self._stream.codec_context
        duration: Fraction | None = None
        if self._stream.duration is not None and self._stream.time_base is not None:
            duration = self._stream.duration * self._stream.time_base
        elif self._container.duration is not None:
            duration = Fraction(self._container.duration, AV_TIME_BASE)
        return VideoInfo(
            codec=context.name,
            width=context.width,
            height=context.height,
            duration_ms=None if duration is None else round(duration * 1000),
        )

    def frames(self, frames_per_second: float, first: int = 0, end: int | None = None) -> Iterator[Frame]:
        """The frames sampled at instants ``first`` (included) to ``end`` (excluded, None: to the end) of
        the grid ``n / frames_per_second``; a window after the start seeks to the keyframe before it.
        Sampling is the same as in one pass, so windows cut on the grid add up to the whole video.
        Raise VideoProblem when decoding fails, or when no frame comes out of a video from its start."""
        step_ms = 1000 / frames_per_second
        next_ms = first * step_ms
        end_ms = None if end is None else end * step_ms
        import av

        count = 0
        try:
            if first > 0 and self._stream.time_base is not None:
                self._container.seek(
                    int(next_ms / 1000 / self._stream.time_base), stream=self._stream, backward=True
                )
            for frame in self._container.decode(self._stream):
                if frame.time is None:
                    continue
                timestamp_ms = frame.time * 1000
                if timestamp_ms + 0.5 < next_ms:
                    continue
                if end_ms is not None and timestamp_ms + 0.5 >= end_ms:
                    break
                count += 1
                yield Frame(round(timestamp_ms), _jpeg(frame), frame.width, frame.height)
                next_ms = (int((timestamp_ms + 0.5) // step_ms) + 1) * step_ms
        except av.FFmpegError as error:
            raise VideoProblem(CORRUPT_VIDEO, f"decoding failed after {count} frames: {error}") from None
        if count == 0 and first == 0:
            raise VideoProblem(NO_FRAMES, "the video stream decodes to no frames")


def _jpeg(frame: av.VideoFrame) -> bytes:
    import av

    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = frame.width, frame.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qmin": str(JPEG_QUALITY_SCALE), "qmax": str(JPEG_QUALITY_SCALE)}
    picture = frame.reformat(format="yuvj420p")
    picture.pts = None
    packets = encoder.encode(picture) + encoder.encode(None)
    return b"".join(bytes(packet) for packet in packets)
