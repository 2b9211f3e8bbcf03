"""Line charts of metric points over time, laid out here and drawn by the template as inline SVG (no
chart library, nothing fetched by the browser): a polyline with a dot per point, y ticks, the first,
middle and last time on the x axis, and an optional dashed reference line (a baseline or a threshold)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

Point = tuple[datetime, float]
WIDTH, HEIGHT = 360, 160
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 24
Y_TICKS = 4
NICE_STEPS = (1, 2, 2.5, 5, 10)


@dataclass(frozen=True)
class Reference:
    value: float
    text: str  # what the line is, e.g. "baseline 10.0%"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    text: str  # time and value, the dot's tooltip


@dataclass(frozen=True)
class Chart:
    title: str
    line: str  # SVG polyline points
    dots: tuple[Dot, ...]
    y_ticks: tuple[tuple[float, str], ...]  # (y, label)
    x_ticks: tuple[tuple[float, str], ...]  # (x, label)
    reference: tuple[float, str] | None  # (y, text)
    latest: str | None  # the newest value, formatted
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT


def domain(series: Sequence[Sequence[Point]], end: datetime, period: timedelta) -> tuple[datetime, datetime]:
    """The time span every chart of a page shares: from the earliest point (at least one period before
    `end`) to `end`, so charts side by side line up."""
    earliest = min((points[0][0] for points in series if points), default=end)
    return min(earliest, end - period), end


def y_ceiling(values: Sequence[float], limit: float | None) -> float:
    """A top for the y axis above every value (a tenth to spare) whose Y_TICKS ticks are round numbers
    (1, 2, 2.5 or 5 times a power of ten apart), at most `limit`."""
    highest = max(values, default=0.0) * 1.1
    if highest <= 0:
        return limit or 1.0
    power = 10 ** math.floor(math.log10(highest / Y_TICKS))
    step = next(power * nice for nice in NICE_STEPS if power * nice >= highest / Y_TICKS)
    top = step * Y_TICKS
    return min(top, limit) if limit else top


def format_value(value: float, percent: bool) -> str:
    return f"{value:.1%}" if percent else f"{value:.3f}"


def line_chart(
    title: str,
    points: Sequence[Point],
    span: tuple[datetime, datetime],
    *,
    percent: bool = True,
    reference: Reference | None = None,
    limit: float | None = 1.0,
) -> Chart:
    """`points` in time order; `limit` caps the y axis (1.0 for shares and rates)."""
    start, end = span
    seconds = max((end - start).total_seconds(), 1.0)
    top = y_ceiling([value for _, value in points] + ([reference.value] if reference else []), limit)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(when: datetime) -> float:
        return round(LEFT + (when - start).total_seconds() / seconds * plot_width, 1)

    def y_of(value: float) -> float:
        return round(TOP + (1 - min(value, top) / top) * plot_height, 1)

    dots = tuple(
        Dot(x_of(when), y_of(value), f"{when:%Y-%m-%d %H:%M} UTC: {format_value(value, percent)}")
        for when, value in points
    )
    ticks = tuple(
        (y_of(top * index / Y_TICKS), format_value(top * index / Y_TICKS, percent).replace(".0%", "%"))
        for index in range(Y_TICKS + 1)
    )
    times = (start, start + (end - start) / 2, end)
    return Chart(
        title=title,
        line=" ".join(f"{dot.x},{dot.y}" for dot in dots),
        dots=dots,
        y_ticks=ticks,
        x_ticks=tuple((x_of(when), f"{when:%m-%d %H:%M}") for when in times),
        reference=(y_of(reference.value), reference.text) if reference else None,
        latest=format_value(points[-1][1], percent) if points else None,
    )
