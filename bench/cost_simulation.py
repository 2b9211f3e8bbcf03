"""Inference-unit hours a week of uploads costs under the idle guard, against three other ways to run a model.

Every trace is one week (Monday 00:00 onward) of upload times in whole minutes, drawn with a fixed seed.
The guard replay runs the deployed decision (`customlabels.operations.idle.decide`) every
`idleCheckMinutes`: an upload to a stopped model starts it (the detect path's ``onModelStopped=start``),
the image waits in the queue for the start latency, and the model is billed from the start request until
the guard stops it. The alternatives:

- oracle: knows every upload in advance, is RUNNING at each upload minute (no image ever waits) and
  between two uploads either stays up or stops and starts again `START_LATENCY` earlier, whichever
  bills less;
- always-on: running the whole week;
- office hours: running Monday-Friday 08:00-18:00 (started `START_LATENCY` before); uploads outside
  wait for the next opening.

Billing is per minute of STARTING or RUNNING x inference units (spec 05 §1; one unit here, so unit
hours = hours). Start latency is 15 minutes: the guide gives "a few minutes" for a start and 10-20
minutes of downtime for a stop-and-restart (spec 05 §1, §4).
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

from customlabels.operations.idle import RUNNING, GuardPolicy, ModelActivity, decide
from infra.config import CONTEXT_KEY, Config, config_from_mapping

START_LATENCY = 15
WEEK = 7 * 24 * 60
DAY = 24 * 60
OFFICE_OPEN, OFFICE_CLOSE = 8 * 60, 18 * 60
TARGET_RATIO = 1.2
EPOCH = datetime(2024, 1, 1)  # a Monday
SEED = 20240101
CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"
# (idleStopMinutes, idleCheckMinutes) settings replayed next to the deployed ones, to show the trade-off
# between inference-unit hours and how long an image waits for a cold start.
SWEEP = [(60, 10), (30, 5), (15, 5), (10, 5), (5, 5), (5, 1)]


@dataclass(frozen=True)
class Outcome:
    unit_hours: float
    starts: int
    mean_wait_minutes: float
    max_wait_minutes: int


def office_hours_bursts(rng: random.Random) -> list[int]:
    """Weekdays 09:00-17:00: a batch of 5-60 images every ~8 minutes, each batch spread over 1-3 minutes."""
    uploads = []
    for day in range(5):
        minute = day * DAY + 9 * 60
        while minute < day * DAY + 17 * 60:
            spread = rng.randint(1, 3)
            uploads += [minute + rng.randrange(spread) for _ in range(rng.randint(5, 60))]
            minute += max(1, round(rng.expovariate(1 / 8)))
    return sorted(uploads)


def sparse_random(rng: random.Random) -> list[int]:
    """Single images at random times of day and night, about one every 2 hours."""
    uploads, minute = [], 0.0
    while (minute := minute + rng.expovariate(1 / 120)) < WEEK:
        uploads.append(int(minute))
    return uploads


def constant_trickle(rng: random.Random) -> list[int]:
    """An image every 2-4 minutes, day and night, all week."""
    uploads, minute = [], 0
    while (minute := minute + rng.randint(2, 4)) < WEEK:
        uploads.append(minute)
    return uploads


TRACES: dict[str, Callable[[random.Random], list[int]]] = {
    "office-hours bursts": office_hours_bursts,
    "sparse random": sparse_random,
    "constant trickle": constant_trickle,
}


def replay_guard(uploads: list[int], policy: GuardPolicy, check_minutes: int, latency: int) -> Outcome:
    """Minute by minute: uploads queue, a stopped model starts on demand, the guard decides on its ticks."""
    arrivals = deque(uploads)
    queue: deque[int] = deque()
    waits: list[int] = []
    status, ready_at, last_active = "STOPPED", 0, None
    billed = starts = 0
    day_start_billed = 0
    for minute in range(WEEK):
        if minute % DAY == 0:
            day_start_billed = billed
        while arrivals and arrivals[0] <= minute:
            queue.append(arrivals.popleft())
        if status == "STOPPED" and queue:
            status, ready_at, starts = "STARTING", minute + latency, starts + 1
        if status == "STARTING" and minute >= ready_at:
            status, last_active = RUNNING, minute
        if status == RUNNING and queue:
            waits += [minute - upload for upload in queue]
            queue.clear()
            last_active = minute
        if minute % check_minutes == 0 and status == RUNNING:
            activity = ModelActivity(
                status=status,
                now=EPOCH + timedelta(minutes=minute),
                last_active=None if last_active is None else EPOCH + timedelta(minutes=last_active),
                queued_messages=len(queue),
            )
            if decide(activity, policy, (billed - day_start_billed) / 60).stop:
                status = "STOPPED"
        if status != "STOPPED":
            billed += 1
    return _outcome(billed, starts, waits)


def oracle(uploads: list[int], latency: int) -> Outcome:
    """Up at every upload minute; across a gap, stay up or restart just in time, whichever is cheaper."""
    minutes = sorted(set(uploads))
    if not minutes:
        return _outcome(0, 0, [])
    billed, starts = latency + len(minutes), 1
    for previous, current in pairwise(minutes):
        idle = current - previous - 1
        billed += min(idle, latency)
        starts += idle > latency
    return _outcome(billed, starts, [0] * len(uploads))


def always_on(uploads: list[int]) -> Outcome:
    return _outcome(WEEK, 1, [0] * len(uploads))


def office_schedule(uploads: list[int], latency: int) -> Outcome:
    """Running weekdays OFFICE_OPEN-OFFICE_CLOSE; an upload outside waits for the next opening."""
    opening = [day * DAY + OFFICE_OPEN for day in range(5)]
    waits = []
    for upload in uploads:
        day, in_day = divmod(upload, DAY)
        if day < 5 and OFFICE_OPEN <= in_day < OFFICE_CLOSE:
            waits.append(0)
        else:
            later = [start for start in opening if start > upload]
            waits.append(later[0] - upload if later else WEEK - upload + OFFICE_OPEN)
    return _outcome(5 * (OFFICE_CLOSE - OFFICE_OPEN + latency), 5, waits)


def _outcome(billed_minutes: int, starts: int, waits: list[int]) -> Outcome:
    return Outcome(
        unit_hours=billed_minutes / 60,
        starts=starts,
        mean_wait_minutes=sum(waits) / len(waits) if waits else 0.0,
        max_wait_minutes=max(waits, default=0),
    )


def simulate(idle_minutes: int, check_minutes: int, latency: int = START_LATENCY) -> dict[str, dict]:
    policy = GuardPolicy(idle_minutes=idle_minutes)
    report = {}
    for name, trace in TRACES.items():
        uploads = trace(random.Random(SEED))
        best = oracle(uploads, latency)
        runs = {
            "guard": replay_guard(uploads, policy, check_minutes, latency),
            "oracle": best,
            "always-on": always_on(uploads),
            "office-hours schedule": office_schedule(uploads, latency),
        }
        report[name] = {
            "uploads": len(uploads),
            "runs": runs,
            "guard/oracle": runs["guard"].unit_hours / best.unit_hours,
        }
    return report


def _print(report: dict[str, dict], idle_minutes: int, check_minutes: int) -> None:
    print(
        f"cost simulation: idleStopMinutes={idle_minutes} idleCheckMinutes={check_minutes} "
        f"start latency={START_LATENCY} min, 1 inference unit, one week per trace"
    )
    for name, entry in report.items():
        print(f"  {name} ({entry['uploads']} uploads): guard/oracle = {entry['guard/oracle']:.2f}x")
        for run, outcome in entry["runs"].items():
            print(
                f"    {run:<22} {outcome.unit_hours:7.1f} IU-h  starts {outcome.starts:4d}  "
                f"wait mean {outcome.mean_wait_minutes:6.1f} min, max {outcome.max_wait_minutes:5d} min"
            )


def worst_ratio(report: dict[str, dict]) -> float:
    return max(entry["guard/oracle"] for entry in report.values())


def run() -> None:
    config = deployed_config()
    report = simulate(config.idleStopMinutes, config.idleCheckMinutes)
    _print(report, config.idleStopMinutes, config.idleCheckMinutes)
    within = worst_ratio(report) <= TARGET_RATIO
    verdict = "met" if within else "NOT met"
    print(f"  target: guard within {TARGET_RATIO}x of the oracle on every trace -> {verdict}")
    print("  other settings (idle/check min): worst guard/oracle, mean wait of a sparse-random image")
    for idle, check in SWEEP:
        other = simulate(idle, check)
        wait = other["sparse random"]["runs"]["guard"].mean_wait_minutes
        print(f"    {idle:3d}/{check:<3d} {worst_ratio(other):5.2f}x  {wait:5.1f} min")


def deployed_config() -> Config:
    """The defaults `cdk deploy` uses (cdk.json), read without importing the CDK."""
    return config_from_mapping(json.loads(CDK_JSON.read_text())["context"][CONTEXT_KEY])


if __name__ == "__main__":
    run()
