"""Should a model keep running? One pure decision per model per guard run.

A running model is billed per inference-unit hour whether or not it analyses anything (spec 05 §1),
so the guard stops it when it has been idle for ``idle_minutes`` with nothing waiting, or when the
project has used its daily inference-unit hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

RUNNING = "RUNNING"


class Verdict(StrEnum):
    STOP = "stop"
    KEEP = "keep"


class Reason(StrEnum):
    NOT_RUNNING = "not-running"
    OVER_DAILY_CAP = "over-daily-cap"
    QUEUED = "queued-messages"
    RECENT_TRAFFIC = "recent-traffic"
    IDLE = "idle"


@dataclass(frozen=True)
class ModelActivity:
    """What the guard knows about one model at ``now``.

    ``last_active`` is the later of the model's last analysed image and the moment the guard first saw it
    running; ``None`` means neither happened within the look-back, which is at least ``idle_minutes``.
    """

    status: str
    now: datetime
    last_active: datetime | None
    queued_messages: int


@dataclass(frozen=True)
class GuardPolicy:
    idle_minutes: float
    max_unit_hours_per_day: float | None = None

    def __post_init__(self) -> None:
        if self.idle_minutes <= 0:
            raise ValueError(f"idle_minutes must be positive, got {self.idle_minutes}")
        if self.max_unit_hours_per_day is not None and self.max_unit_hours_per_day < 0:
            raise ValueError(f"max_unit_hours_per_day must be >= 0 or None: {self.max_unit_hours_per_day!r}")


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: Reason
    detail: str
    idle_minutes: float | None = None

    @property
    def stop(self) -> bool:
        return self.verdict is Verdict.STOP


def idle_minutes(activity: ModelActivity) -> float | None:
    """Minutes since the model was last active; ``None`` when that was before the look-back window."""
    if activity.last_active is None:
        return None
    return max(0.0, (activity.now - activity.last_active).total_seconds() / 60)


def decide(activity: ModelActivity, policy: GuardPolicy, unit_hours_today: float) -> Decision:
    if activity.status != RUNNING:
        return Decision(Verdict.KEEP, Reason.NOT_RUNNING, f"model is {activity.status}, not {RUNNING}")
    idle = idle_minutes(activity)
    cap = policy.max_unit_hours_per_day
    if cap is not None and unit_hours_today >= cap:
        return Decision(
            Verdict.STOP,
            Reason.OVER_DAILY_CAP,
            f"the project used {unit_hours_today:.2f} inference-unit hours today, cap is {cap:g}",
            idle,
        )
    if activity.queued_messages > 0:
        return Decision(
            Verdict.KEEP,
            Reason.QUEUED,
            f"{activity.queued_messages} message(s) waiting in the inference queue",
            idle,
        )
    if idle is not None and idle < policy.idle_minutes:
        return Decision(
            Verdict.KEEP,
            Reason.RECENT_TRAFFIC,
            f"active {idle:.0f} min ago, within the {policy.idle_minutes:g} min idle window",
            idle,
        )
    since = "in the look-back window" if idle is None else f"for {idle:.0f} min"
    return Decision(
        Verdict.STOP,
        Reason.IDLE,
        f"no images analysed {since} (idle window {policy.idle_minutes:g} min) and the queue is empty",
        idle,
    )


def cap_hold_until(now: datetime) -> datetime:
    """A model stopped at the daily cap stays stopped until the next UTC day, when the cap resets."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
