"""Tests for the ticket-count history maths (read-time outlier flags, rollups, retention, downsampling)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from deskpulse.domain.history import (
    RANGES,
    HampelParams,
    HistoryPoint,
    downsample,
    flag_history,
    flag_outliers,
    hourly_rollup,
    retention_cutoffs,
)

DEFAULT = HampelParams()
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

noise = st.sampled_from([-1, 0, 1])
levels = st.integers(min_value=20, max_value=5000)


def worst_tolerance(level: float) -> float:
    """An upper bound of threshold*scale for a +-1-noisy reference near `level` under default params."""
    return DEFAULT.threshold * max(3.0, DEFAULT.min_scale_rel * (abs(level) + 20))


def point(minute: int, total: int, open_: int | None = None, assigned: int = 5, closed: int = 0) -> HistoryPoint:
    return HistoryPoint(
        ts=T0 + timedelta(minutes=minute),
        open=total if open_ is None else open_,
        assigned=assigned,
        total=total,
        closed=closed,
    )


# --- flag_outliers: spikes -------------------------------------------------------------------------


@given(
    level=levels,
    slope=st.floats(min_value=-0.3, max_value=0.3),
    noises=st.lists(noise, min_size=8, max_size=60),
    data=st.data(),
)
def test_a_single_spike_in_a_flat_or_slowly_varying_series_is_flagged_and_its_neighbours_are_not(
    level: int, slope: float, noises: list[int], data: st.DataObject
) -> None:
    values = [level + round(slope * i) + e for i, e in enumerate(noises)]
    pos = data.draw(st.integers(min_value=DEFAULT.min_points, max_value=len(values) - 1), label="pos")
    margin = worst_tolerance(max(values)) + 4
    if data.draw(st.booleans(), label="upwards"):
        values[pos] += data.draw(st.integers(min_value=math.ceil(margin), max_value=10**6), label="delta")
    else:
        # Downward glitches go as far as an empty list (0), like a partial ticket page.
        assume(values[pos] - margin >= 0)
        values[pos] = data.draw(st.integers(min_value=0, max_value=math.floor(values[pos] - margin)))

    assert flag_outliers(values) == [i == pos for i in range(len(values))]


@pytest.mark.parametrize("glitch", [0, 25, 240])
def test_the_classic_api_glitches_a_partial_list_or_a_double_counted_page_are_flagged(glitch: int) -> None:
    values = [120, 121, 120, 119, 120, 121, 120, glitch, 120, 121, 120]
    assert flag_outliers(values) == [i == 7 for i in range(len(values))]


# --- flag_outliers: genuine level shifts vs short glitches ---------------------------------------------


@given(
    level=st.integers(min_value=0, max_value=5000),
    step=st.integers(min_value=-5000, max_value=50000),
    before=st.lists(noise, min_size=DEFAULT.min_points, max_size=30),
    after=st.lists(noise, min_size=DEFAULT.confirm, max_size=30),
)
def test_a_genuine_step_change_held_for_confirm_points_is_accepted_entirely(
    level: int, step: int, before: list[int], after: list[int]
) -> None:
    assume(abs(step) >= worst_tolerance(level) + 3)
    assume(level + step >= 1)
    values = [level + e for e in before] + [level + step + e for e in after]

    assert flag_outliers(values) == [False] * len(values)


def test_after_a_genuine_step_the_new_level_is_accepted_immediately_and_glitches_there_are_flagged() -> None:
    values = [50, 51, 50, 50, 49, 300, 301, 300, 299, 300, 0, 300, 301]
    assert flag_outliers(values) == [i == 10 for i in range(len(values))]


@given(
    level=levels,
    length=st.sampled_from([1, 2]),
    offset=st.integers(min_value=-5000, max_value=50000),
    before=st.lists(noise, min_size=DEFAULT.min_points, max_size=20),
    after=st.lists(noise, min_size=1, max_size=20),
)
def test_a_step_that_lasts_only_one_or_two_points_then_returns_is_flagged(
    level: int, length: int, offset: int, before: list[int], after: list[int]
) -> None:
    assume(abs(offset) >= worst_tolerance(level) + 3)
    assume(level + offset >= 0)
    values = [level + e for e in before] + [level + offset] * length + [level + e for e in after]
    expected = [False] * len(before) + [True] * length + [False] * len(after)

    assert flag_outliers(values) == expected


def test_the_last_points_of_a_series_that_just_jumped_are_flagged_until_the_third_confirming_point() -> None:
    series = [200, 201, 200, 199, 200, 201, 200]
    series.append(260)
    assert flag_outliers(series)[-1:] == [True]
    series.append(261)
    assert flag_outliers(series)[-2:] == [True, True]
    series.append(260)
    assert flag_outliers(series) == [False] * len(series)
    series.append(259)
    assert flag_outliers(series) == [False] * len(series)


def test_a_burst_of_mutually_inconsistent_deviations_is_not_a_level_shift() -> None:
    values = [100, 101, 100, 99, 100, 200, 400, 300, 100, 101, 100]
    assert flag_outliers(values) == [i in {5, 6, 7} for i in range(len(values))]


def test_a_run_that_straddles_the_reference_is_not_a_level_shift() -> None:
    # A loose relative floor would call [100, -10, 100] self-consistent; the same-side rule still rejects it.
    params = HampelParams(min_scale_rel=0.5)
    values = [10, 10, 10, 100, -10, 100, 10]
    assert flag_outliers(values, params) == [False, False, False, True, True, True, False]


def test_a_jump_to_a_noisier_level_is_still_confirmed_thanks_to_the_relative_floor_there() -> None:
    values = [100, 101, 100, 99, 100, 1000, 1020, 985, 1010, 990]
    assert flag_outliers(values) == [False] * len(values)


# --- flag_outliers: scale floor, invariance, shapes ---------------------------------------------------


@given(level=st.integers(min_value=0, max_value=100_000), noises=st.lists(noise, max_size=200))
def test_a_flat_series_with_plus_minus_one_noise_flags_nothing(level: int, noises: list[int]) -> None:
    assert flag_outliers([level + e for e in noises]) == [False] * len(noises)


@st.composite
def params_without_relative_floor(draw: st.DrawFn) -> HampelParams:
    window = draw(st.integers(min_value=1, max_value=12))
    return HampelParams(
        window=window,
        threshold=draw(st.floats(min_value=0.5, max_value=6.0)),
        min_scale_abs=draw(st.floats(min_value=0.0, max_value=5.0)),
        min_scale_rel=0.0,
        confirm=draw(st.integers(min_value=1, max_value=5)),
        min_points=draw(st.integers(min_value=1, max_value=window)),
    )


@given(
    values=st.lists(st.integers(min_value=-10_000, max_value=10_000), max_size=80),
    offset=st.integers(min_value=-1_000_000, max_value=1_000_000),
    params=params_without_relative_floor(),
)
def test_flags_never_depend_on_the_absolute_offset_of_the_values(
    values: list[int], offset: int, params: HampelParams
) -> None:
    # The relative floor is scale-aware by design, so invariance is checked with it switched off;
    # integer counts keep every median and deviation exact under the shift.
    shifted = [v + offset for v in values]
    assert flag_outliers(shifted, params) == flag_outliers(values, params)


@given(values=st.lists(st.floats(min_value=-1e9, max_value=1e9), max_size=100))
def test_the_output_has_the_same_length_as_the_input(values: list[float]) -> None:
    assert len(flag_outliers(values)) == len(values)


@given(
    values=st.lists(st.integers(min_value=0, max_value=10**6), max_size=DEFAULT.min_points),
)
def test_empty_and_short_inputs_flag_nothing(values: list[int]) -> None:
    assert flag_outliers(values) == [False] * len(values)


@pytest.mark.parametrize(
    "kwargs",
    [{"window": 0}, {"confirm": 0}, {"min_points": 0}, {"min_points": 8}, {"threshold": 0.0}, {"min_scale_abs": -1.0}],
)
def test_hampel_params_reject_settings_that_could_never_work(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        HampelParams(**kwargs)  # type: ignore[arg-type]


# --- flag_history ------------------------------------------------------------------------------------


def test_a_point_is_an_outlier_when_any_of_total_open_or_assigned_glitches() -> None:
    points = [point(i, 100, open_=40, assigned=30) for i in range(12)]
    points[5] = point(5, 100, open_=0, assigned=30)
    points[8] = point(8, 100, open_=40, assigned=90)
    points[10] = point(10, 200, open_=40, assigned=30)
    assert flag_history(points) == [i in {5, 8, 10} for i in range(12)]


def test_closed_today_dropping_to_zero_at_midnight_is_not_a_glitch() -> None:
    points = [point(i, 100, closed=80) for i in range(8)] + [point(8, 100, closed=0)]
    assert flag_history(points) == [False] * 9


def test_history_points_require_an_aware_timestamp() -> None:
    with pytest.raises(ValueError):
        HistoryPoint(ts=datetime(2025, 1, 1), open=1, assigned=1, total=1, closed=0)


# --- hourly_rollup -----------------------------------------------------------------------------------


def test_hourly_rollup_ignores_outliers_and_returns_one_point_per_hour() -> None:
    points = [
        point(0, 10),
        point(20, 11),
        point(40, 0),  # outlier
        point(59, 12),
        point(60, 50),  # the 10:00 hour holds only an outlier
        point(125, 20),
        point(130, 21),
    ]
    outliers = [False, False, True, False, True, False, False]

    rolled = hourly_rollup(points, outliers)

    assert [p.ts for p in rolled] == [T0, T0 + timedelta(hours=2)]
    assert (rolled[0].total, rolled[0].open, rolled[0].assigned) == (11, 11, 5)
    assert rolled[1].total == 21  # median 20.5 rounds half up


def test_hourly_rollup_buckets_by_utc_hour_whatever_the_input_zone() -> None:
    cet = timezone(timedelta(hours=1))
    points = [
        HistoryPoint(ts=datetime(2025, 3, 10, 10, 59, tzinfo=cet), open=1, assigned=1, total=1, closed=1),
        HistoryPoint(ts=datetime(2025, 3, 10, 9, 1, tzinfo=UTC), open=3, assigned=3, total=3, closed=3),
    ]
    rolled = hourly_rollup(points, [False, False])
    assert rolled == [HistoryPoint(ts=T0, open=2, assigned=2, total=2, closed=2)]
    assert rolled[0].ts.tzinfo is UTC


def test_hourly_rollup_rejects_mismatched_flags() -> None:
    with pytest.raises(ValueError):
        hourly_rollup([point(0, 1)], [])


# --- retention_cutoffs -------------------------------------------------------------------------------


def test_retention_cutoffs_are_35_days_and_2_years_back_on_an_hour_boundary() -> None:
    now = datetime(2025, 3, 10, 12, 34, 56, tzinfo=UTC)
    assert retention_cutoffs(now) == (
        datetime(2025, 2, 3, 12, 0, tzinfo=UTC),
        datetime(2023, 3, 11, 12, 0, tzinfo=UTC),
    )
    assert retention_cutoffs(now, raw_days=1, rollup_days=2) == (
        datetime(2025, 3, 9, 12, 0, tzinfo=UTC),
        datetime(2025, 3, 8, 12, 0, tzinfo=UTC),
    )


def test_retention_cutoffs_reject_a_naive_now() -> None:
    with pytest.raises(ValueError):
        retention_cutoffs(datetime(2025, 3, 10, 12, 0))


# --- downsample & ranges -----------------------------------------------------------------------------


@given(
    gaps=st.lists(st.integers(min_value=1, max_value=600), min_size=0, max_size=400),
    max_points=st.integers(min_value=2, max_value=60),
)
def test_downsample_keeps_the_first_and_last_time_bounds_and_returns_at_most_max_points(
    gaps: list[int], max_points: int
) -> None:
    minutes = [0]
    for g in gaps:
        minutes.append(minutes[-1] + g)
    points = [point(m, 100 + m % 7) for m in minutes]

    out = downsample(points, max_points)

    assert len(out) <= max_points
    assert out[0].ts == points[0].ts
    assert out[-1].ts == points[-1].ts
    assert all(a.ts < b.ts for a, b in itertools.pairwise(out))
    if len(points) <= max_points:
        assert out == points


def test_downsample_keeps_the_shape_and_drops_isolated_noise() -> None:
    points = [point(m, 100 if m < 500 else 300) for m in range(1000)]
    points[250] = point(250, 0)
    out = downsample(points, 50)
    assert {p.total for p in out[:25]} == {100}
    assert {p.total for p in out[25:]} == {300}


def test_downsample_rejects_fewer_than_two_points() -> None:
    with pytest.raises(ValueError):
        downsample([point(0, 1)], 1)


def test_the_chart_offers_24h_7d_30d_and_1y_ranges() -> None:
    expected = {
        "24h": timedelta(hours=24),
        "7d": timedelta(days=7),
        "30d": timedelta(days=30),
        "1y": timedelta(days=365),
    }
    assert expected == RANGES
