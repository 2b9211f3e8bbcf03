from __future__ import annotations

import pytest

from customlabels.inference.champion import ChampionCache
from customlabels.inference.errors import TransientProblem


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_registry_is_read_once_per_cache_period_and_a_promotion_shows_after_it() -> None:
    clock, reads = Clock(), []
    champions = iter(["v1", "v1", "v2"])

    def lookup() -> dict:
        reads.append(clock.now)
        name = next(champions)
        return {"versionName": name, "versionArn": f"arn/{name}"}

    cache = ChampionCache(lookup, ttl_seconds=60, project="p", clock=clock)
    assert cache.get().version_name == "v1"
    clock.now = 59
    assert cache.get().version_name == "v1"
    assert reads == [0.0]
    clock.now = 60
    cache.get()
    clock.now = 125
    assert cache.get().version_arn == "arn/v2"
    assert reads == [0.0, 60, 125]


def test_invalidate_forces_the_next_read() -> None:
    reads = []
    cache = ChampionCache(
        lambda: reads.append(1) or {"versionName": "v", "versionArn": "a"}, ttl_seconds=3600, project="p"
    )
    cache.get()
    cache.invalidate()
    cache.get()
    assert len(reads) == 2


def test_no_champion_is_transient_and_says_what_to_do() -> None:
    cache = ChampionCache(lambda: None, ttl_seconds=60, project="widgets")
    with pytest.raises(TransientProblem, match="no champion model is registered for project widgets"):
        cache.get()
