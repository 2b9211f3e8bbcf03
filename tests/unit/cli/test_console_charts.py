"""The Monitoring page's charts: metric points laid out on a shared time span, a round y axis, the
baseline as a reference line, and the series GetMetricData answers put in time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from customlabels_cli.console import charts
from customlabels_cli.console.drift_view import dimensions, series_by_id
from customlabels_cli.support.metric_data import aligned_span

END = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_points_span_the_plot_from_the_first_check_to_now_with_the_baseline_dashed_across() -> None:
    points = [(END - 4 * HOUR, 0.1), (END - 2 * HOUR, 0.3), (END, 0.2)]
    span = charts.domain([points, []], END, HOUR)
    assert span == (END - 4 * HOUR, END)
    chart = charts.line_chart("7", points, span, reference=charts.Reference(0.1, "baseline 10.0%"))
    xs = [dot.x for dot in chart.dots]
    assert xs[0] == charts.LEFT and xs[-1] == charts.WIDTH - charts.RIGHT
    assert xs[1] == (xs[0] + xs[2]) / 2  # two hours of four: half way
    ys = {tick_label: y for y, tick_label in chart.y_ticks}
    assert list(ys) == ["0%", "10%", "20%", "30%", "40%"]  # 0.3 with a tenth to spare, in round ticks
    assert chart.dots[1].y == (ys["30%"]) and chart.dots[0].y == ys["10%"]
    assert chart.dots[1].y < chart.dots[2].y < chart.dots[0].y  # higher share, higher on the chart
    assert chart.reference == (chart.dots[0].y, "baseline 10.0%")  # the first check sat on the baseline
    assert chart.line == " ".join(f"{dot.x},{dot.y}" for dot in chart.dots)
    assert chart.latest == "20.0%" and chart.dots[2].text == "2026-12-07 12:00 UTC: 20.0%"
    assert [label for _, label in chart.x_ticks] == ["12-07 08:00", "12-07 10:00", "12-07 12:00"]


def test_a_label_not_seen_yet_has_an_empty_chart_and_its_baseline_sets_the_scale() -> None:
    span = charts.domain([], END, HOUR)
    assert span == (END - HOUR, END)
    chart = charts.line_chart("3", [], span, reference=charts.Reference(0.5, "baseline 50.0%"))
    assert not chart.dots and chart.latest is None and chart.line == ""
    assert [label for _, label in chart.y_ticks] == ["0%", "20%", "40%", "60%", "80%"] and chart.reference[
        1
    ] == "baseline 50.0%"


def test_shares_and_rates_never_scale_past_one_and_the_divergence_is_not_a_percentage() -> None:
    assert charts.y_ceiling([0.98], 1.0) == 1.0
    assert charts.y_ceiling([0.0], 1.0) == 1.0
    assert charts.y_ceiling([0.012], 1.0) == 0.02
    chart = charts.line_chart("divergence", [(END, 0.105)], (END - HOUR, END), percent=False)
    assert chart.latest == "0.105" and chart.y_ticks[-1][1] == "0.200"


def test_get_metric_data_points_become_one_time_ordered_series_per_query() -> None:
    answered = [("share1", END, 0.2), ("share0", END, 0.5), ("share1", END - HOUR, 0.1)]
    assert series_by_id(answered) == {"share1": [(END - HOUR, 0.1), (END, 0.2)], "share0": [(END, 0.5)]}


def test_the_queries_name_the_dimensions_the_drift_check_publishes_with() -> None:
    assert dimensions("customlabels", "7") == {
        "ProjectName": "customlabels",
        "service": "customlabels",
        "Label": "7",
    }
    assert dimensions("birds") == {"ProjectName": "birds", "service": "customlabels-birds"}


def test_the_metric_query_starts_and_ends_on_whole_periods_around_the_history() -> None:
    now = END + timedelta(minutes=25, seconds=7)
    assert aligned_span(now, timedelta(days=7), 3600) == (END - timedelta(days=7), END + HOUR)
    assert aligned_span(END, HOUR, 300) == (END - HOUR, END)
