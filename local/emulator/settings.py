"""Tunable behaviour of the local service: background delays, capacity per inference unit, fault rates."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Delays:
    """Seconds an asynchronous operation stays in its *_IN_PROGRESS / STARTING / STOPPING status."""

    dataset: float = 0.0
    training: float = 0.0
    starting: float = 0.0
    stopping: float = 0.0
    deleting: float = 0.0

    @classmethod
    def named(cls, name: str) -> Delays:
        presets = {
            "fast": cls(),
            "realistic": cls(dataset=3, training=20, starting=15, stopping=5, deleting=2),
        }
        if name not in presets:
            raise ValueError(f"unknown delay preset '{name}': choose one of {', '.join(presets)}")
        return presets[name]


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
    delays: Delays = field(default_factory=Delays)
    faults: Faults = field(default_factory=Faults)
    requests_per_second_per_unit: float = 50.0
    seed: int | None = None
