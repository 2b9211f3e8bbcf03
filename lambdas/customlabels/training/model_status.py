"""Where a model that is starting or stopping stands against the status wanted: done, waiting or failed."""

from __future__ import annotations

from customlabels.training.contract import PollOutcome, StepFailure, Wanted, model_failure

# Status wanted -> statuses that mean "keep waiting"; any other status but the wanted one is a failure.
WAITING = {Wanted.RUNNING: {"STARTING"}, Wanted.STOPPED: {"STOPPING"}}
# The registry attribute that records when the wanted status was reached.
REACHED_AT = {Wanted.RUNNING: "startedAt", Wanted.STOPPED: "stoppedAt"}


def poll_outcome(wanted: Wanted, status: str) -> PollOutcome:
    if status == wanted:
        return PollOutcome.DONE
    if status in WAITING[wanted]:
        return PollOutcome.WAITING
    return PollOutcome.FAILED


def poll_failure(wanted: Wanted, version_name: str, status: str, message: str | None) -> StepFailure:
    reason = message or "no status message"
    return StepFailure(model_failure(wanted), f"{version_name} is {status} instead of {wanted}: {reason}")
