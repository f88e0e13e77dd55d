"""Age buckets by local date and whole days; the database bounds agree with the per-ticket rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from deskpulse.domain.board import (
    AGE_BUCKETS,
    CountRow,
    age_bucket,
    bucket_bounds,
    closed_windows,
    local_day_start,
    summarize,
)

AMS = ZoneInfo("Europe/Amsterdam")
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))
zones = st.sampled_from([ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), UTC])


def classify_with_bounds(created: datetime, now: datetime, tz: ZoneInfo) -> str:
    bounds = bucket_bounds(now, tz)
    if created >= bounds.today_start:
        return "today"
    for key, after in bounds.created_after:
        if created > after:
            return key
    return "older"


@given(now=instants, age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)), tz=zones)
def test_database_bounds_classify_every_ticket_like_the_per_ticket_rule(
    now: datetime, age: timedelta, tz: ZoneInfo
) -> None:
    created = now - age
    assert classify_with_bounds(created, now, tz) == age_bucket(created, now, tz)


@given(now=instants, age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)), tz=zones)
def test_buckets_grow_older_monotonically(now: datetime, age: timedelta, tz: ZoneInfo) -> None:
    order = [b.key for b in AGE_BUCKETS]
    younger = age_bucket(now - age, now, tz)
    older = age_bucket(now - age - timedelta(hours=1), now, tz)
    assert order.index(older) >= order.index(younger)


def test_a_ticket_from_one_second_before_local_midnight_is_not_today() -> None:
    now = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    midnight = local_day_start(now, AMS)
    assert midnight == datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
    assert age_bucket(midnight, now, AMS) == "today"
    assert age_bucket(midnight - timedelta(seconds=1), now, AMS) == "week"


def test_whole_days_elapsed_decide_the_bucket_boundaries() -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    assert age_bucket(now - timedelta(days=7), now, AMS) == "twoweeks"
    assert age_bucket(now - timedelta(days=7) + timedelta(seconds=1), now, AMS) == "week"
    assert age_bucket(now - timedelta(days=90), now, AMS) == "older"
    assert age_bucket(now - timedelta(days=89, hours=23), now, AMS) == "quarter"


def test_local_midnight_on_the_day_dst_ends_is_25_hours_before_the_next() -> None:
    noon = datetime(2026, 10, 25, 11, 0, tzinfo=UTC)
    start = local_day_start(noon, AMS)
    next_start = local_day_start(noon + timedelta(days=1), AMS)
    assert next_start - start == timedelta(hours=25)


def test_closed_windows_start_at_local_midnights_including_today() -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    w = closed_windows(now, AMS)
    assert w.today == datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
    assert w.today - w.week == timedelta(days=6)
    # Across the October DST change the quarter window is 89 local days, i.e. 89 days and one hour.
    assert w.quarter.astimezone(AMS).date() == w.today.astimezone(AMS).date() - timedelta(days=89)
    assert w.quarter.astimezone(AMS).hour == 0


count_rows = st.lists(
    st.builds(
        CountRow,
        source_id=st.sampled_from([1, 2]),
        category=st.sampled_from(["new", "assigned", "waiting_on_customer"]),
        team=st.one_of(st.none(), st.sampled_from(["10", "11", "12"])),
        agent=st.one_of(st.none(), st.sampled_from(["a", "b"])),
        bucket=st.sampled_from([b.key for b in AGE_BUCKETS]),
        count=st.integers(min_value=1, max_value=500),
    ),
    max_size=40,
)


@given(rows=count_rows)
def test_every_section_of_the_board_adds_up_to_the_same_total(rows: list[CountRow]) -> None:
    fig = summarize(rows, {(1, "10"): "Network"}, {(1, "a"): "Anna"})
    assert sum(t.total for t in fig.teams) == fig.total
    assert sum(fig.ages.values()) == fig.total
    assert fig.new + fig.assigned <= fig.total
    assert sum(a.assigned for a in fig.agents) <= fig.assigned
    assert [t.name for t in fig.teams].count("No team") <= 1
    named = [t for t in fig.teams if t.id is not None]
    assert [t.total for t in named] == sorted((t.total for t in named), reverse=True)
    if any(t.id is None for t in fig.teams):
        assert fig.teams[-1].id is None


def test_new_and_assigned_follow_the_assignee_whatever_the_vendors_status() -> None:
    # Freshservice and Autotask keep the assignee apart from the status: an "open" ticket with an agent is
    # assigned, a "pending" one without an agent is new (unassigned); Trengo's OPEN/ASSIGNED agree with that.
    rows = [
        CountRow(1, "open", "t1", "a1", "today", 2),
        CountRow(1, "open", "t1", None, "today", 3),
        CountRow(1, "waiting_on_customer", None, None, "1-2d", 4),
        CountRow(2, "assigned", "t9", "a7", "today", 1),
        CountRow(2, "new", "t9", None, "today", 5),
    ]
    figures = summarize(rows, {}, {})
    assert (figures.total, figures.new, figures.assigned) == (15, 12, 3)
    assert {(a.id, a.assigned) for a in figures.agents} == {("a1", 2), ("a7", 1)}
