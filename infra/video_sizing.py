"""How many video frames one Lambda run analyses: the share of its timeout frames may use (the
margin) at the measured cost of one frame. Used for the detect function (longer videos go to the
batch analysis) and for the batch analysis' video chunks (docs/inference.md, Video on upload: long videos).
"""

from __future__ import annotations

from customlabels.inference.video_plan import frames_per_run
from infra.config import Config

# Measured by `python -m bench video_frame_cost` on one core: download, decode and JPEG per sampled
# frame of a 720p30 H.264 clip sampled at 1 frame/s (0.167 s median, 0.180 s max of 3 runs).
FRAME_CPU_SECONDS = 0.18
LAMBDA_MB_PER_VCPU = 1769  # Lambda gives one full vCPU at 1,769 MB, proportionally less below
# Frames may use half the timeout: the other half covers the download, the cold start (PyAV import),
# CPU shared with the batch's other records, and slower-to-decode sources (1080p, higher frame rates).
VIDEO_TIMEOUT_MARGIN = 0.5


def seconds_per_frame(config: Config, memory_mb: int) -> float:
    """One frame on AWS: the CPU work scaled to the function's CPU share, then the DetectCustomLabels
    call (``detectLatencySeconds``); frames of one run are detected one after another."""
    return FRAME_CPU_SECONDS * max(1.0, LAMBDA_MB_PER_VCPU / memory_mb) + config.detectLatencySeconds


def video_frames_per_run(config: Config, timeout_seconds: int, memory_mb: int) -> int:
    return frames_per_run(timeout_seconds, VIDEO_TIMEOUT_MARGIN, seconds_per_frame(config, memory_mb))
