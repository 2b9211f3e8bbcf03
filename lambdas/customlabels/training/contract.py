"""The training feature's contract with infra/: step outputs, failure names and environment.

Plain Python (no boto3, no CDK) so infra/ imports it to build the state machines: the keys each
ResultSelector picks are the fields of the step's output model, and every execution error is a `Failure`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from customlabels.environment import FunctionSettings
from customlabels.s3uri import S3Uri, join_key


class Failure(StrEnum):
    """The named failures of the training and model-control state machines (their `error`)."""

    InvalidInput = "InvalidInput"
    ManifestInvalid = "ManifestInvalid"
    DatasetFailed = "DatasetFailed"
    TrainingFailed = "TrainingFailed"
    GateFailed = "GateFailed"
    StartFailed = "StartFailed"
    StopFailed = "StopFailed"
    Rejected = "Rejected"
    ApprovalTimedOut = "ApprovalTimedOut"
    ShareFailed = "ShareFailed"
    PromotionNotStarted = "PromotionNotStarted"


class Wanted(StrEnum):
    """The model status a start or stop waits for."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class DatasetPhase(StrEnum):
    """Where PrepareDatasets, CheckDatasets and SplitDatasets left the datasets (rekognition/datasets.py)."""

    DELETING = "DELETING"
    CREATING = "CREATING"
    SPLITTING = "SPLITTING"
    READY = "READY"
    FAILED = "FAILED"


class PollOutcome(StrEnum):
    DONE = "DONE"
    WAITING = "WAITING"
    FAILED = "FAILED"


def model_failure(wanted: Wanted | str) -> Failure:
    """A model that does not reach the wanted status fails its start or its stop."""
    return Failure.StartFailed if wanted == Wanted.RUNNING else Failure.StopFailed


@dataclass(frozen=True)
class StepFailure:
    """A decided failure: the `{error, cause}` a step puts under `failure` for the Fail state."""

    error: Failure
    cause: str


@dataclass(frozen=True)
class StepOutput:
    """Base of every step's output: `to_state()` is the Lambda's answer, with every key of the model."""

    @classmethod
    def keys(cls, *leave_out: str) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.name not in leave_out)

    def to_state(self) -> dict[str, Any]:
        state = asdict(self)
        failure = state.get("failure")
        if failure is not None:
            state["failure"] = {"error": str(failure["error"]), "cause": failure["cause"]}
        return state


@dataclass(frozen=True)
class InputCheck(StepOutput):
    """ValidateInput of both state machines: either `settings` or every problem, with the Fail cause."""

    valid: bool
    problems: list[str]
    cause: str
    settings: dict[str, Any] | None


@dataclass(frozen=True)
class ProjectOutput(StepOutput):
    """EnsureProject: the project, and why this run's versionName cannot be used in it (or None)."""

    projectArn: str
    created: bool
    failure: StepFailure | None = None


@dataclass(frozen=True)
class DatasetsOutput(StepOutput):
    """PrepareDatasets, CheckDatasets, SplitDatasets: where the TRAIN and TEST datasets are."""

    phase: str
    train: str | None
    test: str | None
    split: bool
    attempt: int
    failure: StepFailure | None = None
    stats: dict[str, Any] | None = None


@dataclass(frozen=True)
class TrainingOutput(StepOutput):
    """Train (no `failure`) and CheckTraining."""

    versionArn: str
    versionName: str
    status: str
    reused: bool
    outputUri: str
    manifestHashes: dict[str, str | None]
    attempt: int
    failure: StepFailure | None = None


@dataclass(frozen=True)
class EvaluationOutput(StepOutput):
    """Evaluate: the gate decision, the per-label table and the champion it was compared with."""

    passed: bool
    reason: str
    f1Score: float
    f1Threshold: float
    labels: list[dict[str, Any]]
    failedLabels: list[str]
    championVersion: str | None
    championF1: float | None
    summaryUri: str
    failure: StepFailure | None = None


@dataclass(frozen=True)
class StartOutput(StepOutput):
    status: str
    attempt: int = 0
    failure: StepFailure | None = None


@dataclass(frozen=True)
class ModelPollOutput(StepOutput):
    """CheckModel / CheckStop: one poll of a starting or stopping model."""

    status: str
    outcome: PollOutcome
    attempt: int
    failure: StepFailure | None = None


@dataclass(frozen=True)
class StopOutput(StepOutput):
    versionName: str
    status: str
    attempt: int = 0
    failure: StepFailure | None = None


@dataclass(frozen=True)
class PromotionOutput(StepOutput):
    champion: dict[str, Any]
    previous: dict[str, Any] | None
    changed: bool


# The keys each task's ResultSelector picks, in the order the state machines list them.
# The one Fail state of every state machine (infra/training/flow.py); the CLI's progress shows it as the
# named failure.
FAILED_STATE = "Failed"
VALIDATE_INPUT_KEYS = InputCheck.keys()
VALIDATE_MANIFESTS_KEYS = (
    "canTrain",
    "statusMessage",
    "fileError",
    "summaryUri",
    "useCase",
    "counts",
    "terminalErrors",
    "topLineErrors",
)
ENSURE_PROJECT_KEYS = ProjectOutput.keys()
DATASETS_KEYS = DatasetsOutput.keys()
TRAIN_KEYS = TrainingOutput.keys("failure")
CHECK_TRAINING_KEYS = TrainingOutput.keys()
EVALUATE_KEYS = EvaluationOutput.keys()
START_MODEL_KEYS = StartOutput.keys()
CHECK_MODEL_KEYS = ModelPollOutput.keys()
STOP_MODEL_KEYS = StopOutput.keys("versionName")
STOP_PREVIOUS_CHAMPION_KEYS = StopOutput.keys("attempt", "failure")
STOP_UNSTARTED_MODEL_KEYS = ("status",)
PROMOTE_KEYS = PromotionOutput.keys()

@dataclass(frozen=True)
class Defaults:
    """Stack-wide defaults (from cdk.json) for every optional training setting: TRAINING_DEFAULTS."""

    f1Threshold: float
    minLabelF1: float
    requireImprovement: bool
    deploy: bool
    minInferenceUnits: int
    maxInferenceUnits: int
    requireApproval: bool = False
    approvalTimeoutHours: float = 24.0
    promoteAfterApproval: bool = False
    productionAccount: str | None = None  # the account promoteAfterApproval promotes into
    shadowMinAgreement: float | None = None  # promotion needs a finished shadow test agreeing this much

    @classmethod
    def from_json(cls, text: str) -> Defaults:
        return cls(**json.loads(text))

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@dataclass(frozen=True)
class TrainingSettings(FunctionSettings):
    """The training, model-control and promotion functions' settings (infra/training/functions.py,
    infra/promotion/functions.py)."""

    registry_table_name: str
    console_bucket_name: str
    training_output_prefix: str
    kms_key_arn: str
    project_name: str
    training_defaults: Defaults

    def training_output(self, project: str, version: str) -> S3Uri:
        """training-output/<project>/<version>/ in the console bucket: one prefix per version."""
        return S3Uri(self.console_bucket_name, join_key(self.training_output_prefix, project, version) + "/")
