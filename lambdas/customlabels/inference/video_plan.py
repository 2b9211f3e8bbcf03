"""Which keys are videos, how many frames one run may analyse, and how a long video is cut into chunks.

No decoder here: the batch input check, infra and the planners import it without PyAV.
A chunk is a range of sampling instants ``[firstFrame, endFrame)`` of the grid ``n / framesPerSecond``
(``endFrame`` null: to the end of the stream, so frames beyond the container's announced duration
are never lost); ``Video.frames`` samples a window exactly as one pass would.
"""

from __future__ import annotations

import hashlib
import re
from math import ceil, floor
from typing import Any

from customlabels.inference.events import ImageVersion

VIDEO_EXTENSIONS = (".mp4", ".mov")
EXECUTION_NAME_LIMIT = 80  # Step Functions execution names: 1-80 of [A-Za-z0-9_-]


def is_video(key: str) -> bool:
    return key.lower().endswith(VIDEO_EXTENSIONS)


def frames_per_run(timeout_seconds: float, margin: float, seconds_per_frame: float) -> int:
    """Frames that fit in ``margin`` (a share) of a run's timeout at ``seconds_per_frame`` each (the
    measured cost of one frame: download, decode and JPEG share, plus the DetectCustomLabels call)."""
    return max(1, floor(timeout_seconds * margin / seconds_per_frame))


def plan_chunks(expected_frames: int, frames_per_chunk: int) -> list[dict[str, Any]]:
    """Chunks of at most ``frames_per_chunk`` sampling instants covering ``expected_frames``; the last
    one runs to the end of the stream."""
    count = max(1, ceil(expected_frames / frames_per_chunk))
    return [
        {
            "chunk": index,
            "firstFrame": index * frames_per_chunk,
            "endFrame": None if index == count - 1 else (index + 1) * frames_per_chunk,
        }
        for index in range(count)
    ]


def execution_name(video: ImageVersion) -> str:
    """The batch execution of one video version: the same upload delivered twice names the same
    execution (Step Functions refuses a second one), a new version of the key gets its own."""
    digest = hashlib.sha256(f"{video.bucket}/{video.key}\0{video.version}".encode()).hexdigest()[:24]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", video.key.rsplit("/", 1)[-1]).strip("-")
    room = EXECUTION_NAME_LIMIT - len("video--") - len(digest)
    return f"video-{stem[:room]}-{digest}"
