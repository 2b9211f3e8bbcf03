"""The Monitoring page's shadow-test part: `customlabels shadow report`'s figures (the same gathering
code) and the images where champion and challenger disagree, a page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from customlabels_cli.commands import shadow
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.stack import Stack

PAGE_SIZE = 24


@dataclass
class ShadowView:
    missing: CliError | None = None  # no shadow test yet: what to run
    report: dict[str, Any] = field(default_factory=dict)
    disagreements: list[dict[str, Any]] = field(default_factory=list)  # this page's
    page: int = 1
    pages: int = 1


def shadow_view(stack: Stack, page: int, cache: shadow.ComparisonCache) -> ShadowView:
    try:
        report = shadow.gather(stack, cache)
    except CliError as missing:
        return ShadowView(missing=missing)
    found = report["disagreements"]
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = [
        {**item, "name": item["image"].split("/", 3)[-1]}
        for item in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    return ShadowView(report=report, disagreements=shown, page=page, pages=pages)
