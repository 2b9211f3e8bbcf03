"""Which images get the pre-flight check when checking them all would not fit the function's time.

The plan is made up front, from the manifests' sizes: at `IMAGES_PER_SECOND` (the rate of 16 header-probe
threads against S3, see docs/benchmarks.md) the budget covers `budget * rate` images. A manifest expected
to hold more gets a stratified sample: every label's images are checked at the same fraction, in line
order (the 1st of each label, then every 1/fraction-th), so each label keeps images checked and the
numbers are reproducible. The result says that it sampled, at what fraction and why."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

IMAGES_PER_SECOND = 300.0  # planning rate for S3 in the Lambda (16 threads, ~50 ms per ranged GET)
IMAGE_BUDGET_SECONDS = 600.0  # of the validation function's 900 s: the rest is the structural pass and files
MIN_BYTES_PER_LINE = 200  # the shortest realistic image-level line: over-estimating lines samples early


@dataclass(frozen=True)
class ImagePlan:
    fraction: float = 1.0
    reason: str = "every image is checked"

    @property
    def sampled(self) -> bool:
        return self.fraction < 1.0

    def entry(self) -> dict:
        return {"sampled": self.sampled, "fraction": round(self.fraction, 4), "reason": self.reason}


def plan_image_checks(manifest_bytes: int, *, budget_seconds: float = IMAGE_BUDGET_SECONDS,
                      rate: float = IMAGES_PER_SECOND) -> ImagePlan:
    expected = manifest_bytes // MIN_BYTES_PER_LINE
    affordable = int(budget_seconds * rate)
    if expected <= affordable:
        return ImagePlan()
    fraction = affordable / expected
    return ImagePlan(fraction, f"up to {expected:,} images expected ({manifest_bytes:,} manifest bytes); "
                     f"checking all at {rate:.0f} images/s would take {expected / rate:,.0f} s, over the "
                     f"{budget_seconds:.0f} s budget: a stratified sample of {fraction:.1%} of each label's "
                     "images is checked")


@dataclass
class StratifiedSampler:
    """Per label, take the images whose ordinal crosses a multiple of 1/fraction (the first always)."""

    fraction: float
    seen: dict[str, int] = field(default_factory=dict)

    def take(self, labels: set[str]) -> bool:
        chosen = False
        for label in labels:
            count = self.seen[label] = self.seen.get(label, 0) + 1
            if count == 1 or math.floor(count * self.fraction) > math.floor((count - 1) * self.fraction):
                chosen = True
        return chosen
