"""The cost simulation's yardsticks behave as their definitions say."""

from __future__ import annotations

import random

import pytest

from bench.cost_simulation import (
    TRACES,
    WEEK,
    always_on,
    office_schedule,
    oracle,
    replay_guard,
)
from customlabels.operations.idle import GuardPolicy

LATENCY = 15


def test_oracle_restarts_only_across_gaps_longer_than_the_start_latency() -> None:
    # 3 upload minutes; gaps of 9 idle minutes (stay up) and 99 (restart, paying the latency instead)
    assert oracle([0, 10, 110], LATENCY).unit_hours * 60 == LATENCY + 3 + 9 + LATENCY
    assert oracle([0, 10, 110], LATENCY).starts == 2


def test_guard_bills_latency_plus_idle_window_for_a_lone_upload() -> None:
    outcome = replay_guard([100], GuardPolicy(idle_minutes=30), check_minutes=10, latency=LATENCY)
    # starts at 100, running at 115, last active 115, stopped at the first check >= 145 (150)
    assert outcome.unit_hours * 60 == 150 - 100
    assert (outcome.starts, outcome.max_wait_minutes) == (1, LATENCY)


@pytest.mark.parametrize("name", sorted(TRACES))
def test_every_trace_is_a_week_and_nobody_beats_the_oracle_without_making_images_wait(name) -> None:
    uploads = TRACES[name](random.Random(1))
    assert uploads and min(uploads) >= 0 and max(uploads) < WEEK
    best = oracle(uploads, LATENCY)
    assert best.unit_hours <= always_on(uploads).unit_hours + LATENCY / 60
    for outcome in (
        replay_guard(uploads, GuardPolicy(idle_minutes=60), 10, LATENCY),
        office_schedule(uploads, LATENCY),
    ):
        assert outcome.unit_hours >= best.unit_hours or outcome.max_wait_minutes > 0
