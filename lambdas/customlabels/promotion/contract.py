"""The promotion feature's contract with infra/: its named failures, step outputs and the tag a copy carries.

Plain Python (no boto3, no CDK), imported by infra/promotion/ to build the promotion state machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from customlabels.training.contract import PollOutcome, StepOutput


class PromotionFailure(StrEnum):
    """Named failures of the promotion state machine besides the shared InvalidInput and StartFailed."""

    CopyFailed = "CopyFailed"
    NotGated = "NotGated"  # the training project's policy refused a version the pipeline did not gate


class Action(StrEnum):
    PROMOTE = "promote"
    ROLLBACK = "rollback"


# Every copy is tagged with the ARN of the version it was copied from: a re-run finds and reuses it.
SOURCE_VERSION_TAG = "sourceVersionArn"
COPYING = "COPYING_IN_PROGRESS"
COPY_FAILED = "COPYING_FAILED"
POLICY_NAME = "production-promotion"


@dataclass(frozen=True)
class CopyFailure:
    error: PromotionFailure
    cause: str


@dataclass(frozen=True)
class CopyOutput(StepOutput):
    """CopyModel (the copy in the production project, new or reused) and CheckCopy (one poll of it)."""

    versionArn: str | None
    versionName: str
    status: str
    reused: bool
    attempt: int
    outcome: PollOutcome
    failure: CopyFailure | None = None


@dataclass(frozen=True)
class ShareOutput(StepOutput):
    """ShareProject: the project policy that lets the production account copy versions."""

    policyName: str
    revisionId: str
    changed: bool


@dataclass(frozen=True)
class GatedOutput(StepOutput):
    """MarkGated: the gate tags the training pipeline put on the version it gated and approved."""

    versionArn: str
    tags: dict[str, str]


COPY_KEYS = CopyOutput.keys()
GATED_KEYS = GatedOutput.keys()
SHARE_KEYS = ShareOutput.keys()
