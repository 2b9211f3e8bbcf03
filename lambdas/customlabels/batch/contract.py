"""What the batch-analysis state machine selects from its steps, and its own named failure.

The input, start and stop failures reuse the training contract's names (``InvalidInput``,
``StartFailed``, ``StopFailed``); ``BatchFailed`` is the Distributed Map failing (more failed child
workflows than ``batchToleratedFailurePercent``, or the item reader failing)."""

from __future__ import annotations

from enum import StrEnum

PREPARE_KEYS = ("valid", "cause", "settings", "model", "status", "startNeeded")
SUMMARY_KEYS = (
    "execution",
    "source",
    "modelVersion",
    "images",
    "labels",
    "failures",
    "imagesPerSecond",
    "seconds",
    "startedAt",
    "finishedAt",
    "resultsManifest",
    "summary",
    "message",
)

# MergeVideo's answer (a video source), under the same ResultPath as the summary.
VIDEO_KEYS = (
    "execution",
    "source",
    "modelVersion",
    "status",
    "result",
    "frames",
    "chunks",
    "error",
    "seconds",
    "message",
)


class BatchFailure(StrEnum):
    BatchFailed = "BatchFailed"
