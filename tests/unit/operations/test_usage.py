from __future__ import annotations

import pytest

from customlabels.operations.usage import unit_hours


def test_unit_hours_add_up_the_periods_the_model_ran() -> None:
    # 12 five-minute periods at 2 units, then 6 at 1 unit: 2 h + 0.5 h
    assert unit_hours([2.0] * 12 + [1.0] * 6, 300) == pytest.approx(2.5)


def test_no_datapoints_is_no_usage() -> None:
    assert unit_hours([], 300) == 0


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period_seconds"):
        unit_hours([1.0], 0)
