"""What the batch-analysis state machine selects from its steps, and its own named failure.

Each step's answer is a typed output (the training contract's `StepOutput`): the keys each ResultSelector
picks are the fields of the model, so the state machine and the function cannot disagree.
The input, start and stop failures reuse the training contract's names (``InvalidInput``,
``StartFailed``, ``StopFailed``); ``BatchFailed`` is the Distributed Map failing (more failed child
workflows than ``batchToleratedFailurePercent``, or the item reader failing)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from customlabels.training.contract import StepOutput


@dataclass(frozen=True)
class PrepareOutput(StepOutput):
    """PrepareBatch: the checked input and the model version it runs on; `startNeeded` when it is stopped."""

    valid: bool
    cause: str
    settings: dict[str, Any] | None
    model: dict[str, str] | None
    status: str | None = None
    startNeeded: bool = False


@dataclass(frozen=True)
class SummaryOutput(StepOutput):
    """SummariseBatch: what summary.json holds, and the notification's message."""

    execution: str
    source: str
    modelVersion: dict[str, str]
    images: dict[str, int]
    labels: dict[str, int]
    failures: dict[str, Any]
    imagesPerSecond: float
    seconds: float
    startedAt: str
    finishedAt: str
    resultsManifest: str
    summary: str
    message: str


@dataclass(frozen=True)
class VideoOutput(StepOutput):
    """MergeVideo (a video source): the video's one result, under the same ResultPath as the summary."""

    execution: str
    source: str
    modelVersion: dict[str, str]
    status: str
    result: str
    frames: int
    chunks: int
    error: str | None
    seconds: float
    message: str


PREPARE_KEYS = PrepareOutput.keys()
SUMMARY_KEYS = SummaryOutput.keys()
VIDEO_KEYS = VideoOutput.keys()


class BatchFailure(StrEnum):
    BatchFailed = "BatchFailed"
