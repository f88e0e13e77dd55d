"""The backlog forecast: follows a trend, damps it, never goes negative, and reports an honest back-test."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from deskpulse.domain.forecast import MIN_FIT_DAYS, backtest, forecast_backlog

START = date(2026, 8, 1)


def series(values: list[float]) -> list[tuple[date, float]]:
    return [(START + timedelta(days=i), v) for i, v in enumerate(values)]


def test_a_flat_backlog_is_forecast_flat_with_zero_error() -> None:
    result = forecast_backlog(series([40.0] * 70))
    assert [v for _, v in result.points] == [40.0] * 14
    assert result.points[0][0] == START + timedelta(days=70)
    assert result.backtest.mape == 0.0
    assert result.backtest.origins == 8


def test_a_growing_backlog_is_forecast_to_grow_but_damped() -> None:
    result = forecast_backlog(series([100.0 + 2 * i for i in range(60)]))
    values = [v for _, v in result.points]
    assert all(b > a for a, b in pairwise(values)), "still growing"
    last = 100.0 + 2 * 59
    assert values[0] > last
    assert values[-1] < last + 2 * 14, "the damped trend stays below the straight-line extension"
    assert result.backtest.mape is not None and result.backtest.mape < 10


def test_too_little_history_gives_no_forecast_and_says_why() -> None:
    result = forecast_backlog(series([10.0] * (MIN_FIT_DAYS - 1)))
    assert result.points == []
    assert result.reason is not None and "at least 14 days" in result.reason
    assert result.backtest.mape is None and result.backtest.reason is not None


def test_the_backtest_only_uses_days_before_each_origin() -> None:
    # A jump on the very last day cannot be foreseen: the newest origin's one-day error is that jump.
    values = [50.0] * 40 + [100.0]
    tested = backtest(values, horizon=1, weeks=1)
    assert tested.points == 1
    assert tested.mape == 50.0


def test_zero_backlog_days_are_skipped_in_the_percentage_error() -> None:
    tested = backtest([0.0] * 30, horizon=14, weeks=8)
    assert tested.mape is None and tested.points == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), min_size=MIN_FIT_DAYS, max_size=120))
def test_forecasts_are_never_negative_and_cover_the_horizon(values: list[float]) -> None:
    result = forecast_backlog(series(values))
    assert len(result.points) == 14
    assert all(v >= 0 for _, v in result.points)
    days = [d for d, _ in result.points]
    assert days == [START + timedelta(days=len(values) + i) for i in range(14)]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=MIN_FIT_DAYS, max_value=90))
def test_a_constant_backlog_is_forecast_as_that_constant(value: int, days: int) -> None:
    result = forecast_backlog(series([float(value)] * days))
    assert all(abs(v - value) < 0.05 for _, v in result.points)
