"""Tunable behaviour of the local service: background delays, capacity per inference unit, fault rates."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields, replace

Span = tuple[float, float]
DEFAULT_MIN_STATUS_SECONDS = 1.0
DEFAULT_IU_TPS = 50.0
DEFAULT_USAGE_PERIOD_SECONDS = 60.0


@dataclass(frozen=True)
class Delays:
    """Seconds an asynchronous operation stays in its in-progress status (CREATE_IN_PROGRESS, STARTING,
    STOPPING, DELETING, COPYING_IN_PROGRESS ...) and an auto-scaled model takes to bring one more
    inference unit into service, as (low, high) ranges a seeded draw picks from.
    Training also waits `training_per_image` seconds per training image. The default is instant (tests
    that hold work with a ManualScheduler); the presets keep every status for at least a minimum."""

    dataset: Span = (0.0, 0.0)
    training: Span = (0.0, 0.0)
    training_per_image: float = 0.0
    starting: Span = (0.0, 0.0)
    stopping: Span = (0.0, 0.0)
    deleting: Span = (0.0, 0.0)
    copying: Span = (0.0, 0.0)
    scaling: Span = (0.0, 0.0)

    @classmethod
    def named(cls, name: str, minimum: float = DEFAULT_MIN_STATUS_SECONDS) -> Delays:
        """`fast`: every in-progress status lasts `minimum` seconds, so pollers see it. `realistic`:
        the guide's durations with one guide minute lasting one second (docs/decisions.md)."""
        presets = {
            "fast": cls(),
            "realistic": cls(
                dataset=(1, 5),
                training=(30, 60),  # the guide: 30 minutes to 24 hours, growing with the images
                training_per_image=0.01,
                starting=(2, 5),  # "a few minutes"
                stopping=(1, 3),  # "may take a while"
                deleting=(1, 5),  # "up to 5 minutes"
                copying=(2, 10),
                scaling=(2, 5),  # no duration in the guide; Desired > InService units shows it takes time
            ),
        }
        if name not in presets:
            raise ValueError(f"unknown delay preset '{name}': choose one of {', '.join(presets)}")
        return presets[name].at_least(minimum)

    def at_least(self, minimum: float) -> Delays:
        changes = {
            f.name: (max(low, minimum), max(high, minimum))
            for f in fields(self)
            if isinstance(low_high := getattr(self, f.name), tuple)
            for low, high in [low_high]
        }
        return replace(self, **changes)


class DelayClock:
    """Draws the delays, reproducibly for a given seed."""

    def __init__(self, delays: Delays, seed: int | None) -> None:
        self.delays = delays
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def seconds(self, kind: str, images: int = 0) -> float:
        low, high = getattr(self.delays, kind)
        with self._lock:
            drawn = self._random.uniform(low, high) if high > low else low
        return drawn + (self.delays.training_per_image * images if kind == "training" else 0.0)


@dataclass(frozen=True)
class Faults:
    """Share (0-1) of data-plane and control-plane requests answered with an injected error."""

    throttle: float = 0.0
    internal: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Faults:
        """Read `throttle=0.3,internal=0.05` (any subset, empty = no faults)."""
        rates: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = item.partition("=")
            if not sep or name not in ("throttle", "internal"):
                raise ValueError(
                    f"fault '{item}' is not understood: write throttle=<rate> or internal=<rate>"
                )
            rate = float(value)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate '{item}' must be between 0 and 1")
            rates[name] = rate
        return cls(**rates)


@dataclass(frozen=True)
class ServiceSettings:
    """`iu_tps`: DetectCustomLabels calls per second one inference unit serves (docs/offline.md).
    `usage_period_seconds`: real seconds between two InServiceInferenceUnits data points of a running
    model, each standing for one minute in service (60: real time; less: accelerated).
    `accounts`: accounts the endpoint registers besides the default one (each gets an Administrator
    role the default keys can assume)."""

    delays: Delays = field(default_factory=Delays)
    faults: Faults = field(default_factory=Faults)
    iu_tps: float = DEFAULT_IU_TPS
    seed: int | None = None
    usage_period_seconds: float = DEFAULT_USAGE_PERIOD_SECONDS
    accounts: tuple[str, ...] = ()
