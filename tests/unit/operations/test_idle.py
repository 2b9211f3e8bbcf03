"""The guard's decision, table-tested: status, activity, queue and the daily cap -> stop or keep, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from customlabels.operations.idle import GuardPolicy, ModelActivity, Reason, Verdict, cap_hold_until, decide

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
IDLE = 60


def minutes_ago(minutes: float | None) -> datetime | None:
    return None if minutes is None else NOW - timedelta(minutes=minutes)


CASES = [
    # status, active (min ago), queued, used IU-h, cap -> verdict, reason
    ("RUNNING", 5, 0, 0.0, None, Verdict.KEEP, Reason.RECENT_TRAFFIC),
    ("RUNNING", 59.9, 0, 0.0, None, Verdict.KEEP, Reason.RECENT_TRAFFIC),
    ("RUNNING", 60, 0, 0.0, None, Verdict.STOP, Reason.IDLE),
    ("RUNNING", 600, 0, 0.0, None, Verdict.STOP, Reason.IDLE),
    ("RUNNING", None, 0, 0.0, None, Verdict.STOP, Reason.IDLE),
    ("RUNNING", None, 3, 0.0, None, Verdict.KEEP, Reason.QUEUED),
    ("RUNNING", 600, 1, 0.0, None, Verdict.KEEP, Reason.QUEUED),
    ("RUNNING", 1, 0, 8.0, 8.0, Verdict.STOP, Reason.OVER_DAILY_CAP),
    ("RUNNING", 1, 50, 9.5, 8.0, Verdict.STOP, Reason.OVER_DAILY_CAP),
    ("RUNNING", 1, 0, 7.9, 8.0, Verdict.KEEP, Reason.RECENT_TRAFFIC),
    ("RUNNING", 90, 0, 7.9, 8.0, Verdict.STOP, Reason.IDLE),
    ("RUNNING", 1, 0, 0.0, 0.0, Verdict.STOP, Reason.OVER_DAILY_CAP),
    ("STARTING", None, 0, 99.0, 8.0, Verdict.KEEP, Reason.NOT_RUNNING),
    ("STOPPING", None, 0, 0.0, None, Verdict.KEEP, Reason.NOT_RUNNING),
    ("STOPPED", None, 0, 0.0, None, Verdict.KEEP, Reason.NOT_RUNNING),
    ("TRAINING_COMPLETED", None, 4, 0.0, None, Verdict.KEEP, Reason.NOT_RUNNING),
]


@pytest.mark.parametrize(("status", "active", "queued", "used", "cap", "verdict", "reason"), CASES)
def test_decision_table(status, active, queued, used, cap, verdict, reason) -> None:
    activity = ModelActivity(status=status, now=NOW, last_active=minutes_ago(active), queued_messages=queued)
    decision = decide(activity, GuardPolicy(idle_minutes=IDLE, max_unit_hours_per_day=cap), used)
    assert (decision.verdict, decision.reason) == (verdict, reason)
    assert decision.stop is (verdict is Verdict.STOP)


def test_reasons_say_what_was_seen() -> None:
    policy = GuardPolicy(idle_minutes=IDLE, max_unit_hours_per_day=8)
    running = ModelActivity("RUNNING", NOW, minutes_ago(75), 0)
    assert "75 min" in decide(running, policy, 0).detail
    assert "8.50 inference-unit hours" in decide(running, policy, 8.5).detail
    queued = ModelActivity("RUNNING", NOW, minutes_ago(75), 7)
    assert "7 message(s)" in decide(queued, policy, 0).detail
    assert decide(running, policy, 0).idle_minutes == pytest.approx(75)


def test_activity_in_the_future_counts_as_just_now() -> None:
    """Clock skew between the metric and the guard must not make a busy model look idle."""
    activity = ModelActivity("RUNNING", NOW, NOW + timedelta(minutes=2), 0)
    decision = decide(activity, GuardPolicy(idle_minutes=IDLE), 0)
    assert (decision.verdict, decision.idle_minutes) == (Verdict.KEEP, 0.0)


@pytest.mark.parametrize(("idle", "cap"), [(0, None), (-5, None), (60, -1)])
def test_policy_refuses_settings_that_make_no_sense(idle, cap) -> None:
    with pytest.raises(ValueError, match="must be"):
        GuardPolicy(idle_minutes=idle, max_unit_hours_per_day=cap)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2024, 5, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 15, 30, 12, 5, tzinfo=UTC),
        datetime(2024, 5, 1, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_a_cap_stop_holds_until_the_next_utc_day(now: datetime) -> None:
    assert cap_hold_until(now) == datetime(2024, 5, 2, tzinfo=UTC)
