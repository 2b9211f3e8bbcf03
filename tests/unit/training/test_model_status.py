"""Where a starting or stopping model stands: done, keep waiting, or failed with the right Fail state."""

from __future__ import annotations

import pytest

from customlabels.training.contract import Failure, PollOutcome, Wanted
from customlabels.training.model_status import poll_failure, poll_outcome


@pytest.mark.parametrize(
    ("wanted", "status", "outcome"),
    [
        (Wanted.RUNNING, "RUNNING", PollOutcome.DONE),
        (Wanted.RUNNING, "STARTING", PollOutcome.WAITING),
        (Wanted.RUNNING, "FAILED", PollOutcome.FAILED),
        (Wanted.RUNNING, "STOPPED", PollOutcome.FAILED),
        (Wanted.RUNNING, "STOPPING", PollOutcome.FAILED),
        (Wanted.STOPPED, "STOPPED", PollOutcome.DONE),
        (Wanted.STOPPED, "STOPPING", PollOutcome.WAITING),
        (Wanted.STOPPED, "RUNNING", PollOutcome.FAILED),
        (Wanted.STOPPED, "STARTING", PollOutcome.FAILED),
    ],
)
def test_poll_outcome(wanted: Wanted, status: str, outcome: PollOutcome) -> None:
    assert poll_outcome(wanted, status) == outcome


@pytest.mark.parametrize(
    ("wanted", "error"), [(Wanted.RUNNING, Failure.StartFailed), (Wanted.STOPPED, Failure.StopFailed)]
)
def test_a_failed_poll_ends_in_the_start_or_stop_failure_and_says_why(wanted: Wanted, error: Failure) -> None:
    failure = poll_failure(wanted, "digits.v1", "FAILED", "capacity exceeded")
    assert failure.error == error
    assert failure.cause == f"digits.v1 is FAILED instead of {wanted}: capacity exceeded"
    assert poll_failure(wanted, "v", "FAILED", None).cause.endswith("no status message")
