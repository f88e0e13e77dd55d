"""The pure parts of TV mode: a number's level from its thresholds, the data's freshness, the name mask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from deskpulse.web.tv_levels import LEVEL_ICON, LEVEL_TEXT, SourceState, freshness, level
from deskpulse.web.tv_privacy import MASK, Redactor

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
RANK = {"ok": 0, "warn": 1, "bad": 2}
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(numbers, numbers, numbers, numbers)
def test_where_more_is_worse_a_larger_value_is_never_a_better_level(a: float, b: float, x: float, y: float) -> None:
    amber, red = sorted((a, b))
    low, high = sorted((x, y))
    assert RANK[level(low, (amber, red))] <= RANK[level(high, (amber, red))]


@given(numbers, numbers, numbers, numbers)
def test_where_less_is_worse_a_smaller_value_is_never_a_better_level(a: float, b: float, x: float, y: float) -> None:
    red, amber = sorted((a, b))
    low, high = sorted((x, y))
    assert RANK[level(low, (amber, red), more_is_worse=False)] >= RANK[level(high, (amber, red), more_is_worse=False)]


@given(numbers, numbers)
def test_the_thresholds_themselves_start_their_level(a: float, b: float) -> None:
    amber, red = sorted((a, b))
    assert level(red, (amber, red)) == "bad"
    assert level(amber, (amber, red)) == ("bad" if amber == red else "warn")


def test_levels_of_the_documented_example() -> None:
    at_risk = (1, 5)
    assert [level(v, at_risk) for v in (0, 1, 4, 5, 9)] == ["ok", "warn", "warn", "bad", "bad"]
    uptime = (99.9, 99.5)
    assert [level(v, uptime, more_is_worse=False) for v in (100, 99.95, 99.9, 99.6, 99.5, 90)] == [
        "ok", "ok", "warn", "warn", "bad", "bad",
    ]  # fmt: skip
    assert level(None, at_risk) == "none" and level(3, None) == "none"


def test_every_level_but_none_has_a_word_and_an_icon_besides_its_colour() -> None:
    for name in ("ok", "warn", "bad"):
        assert LEVEL_TEXT[name] and LEVEL_ICON[name]
    assert len(set(LEVEL_ICON.values())) == len(LEVEL_ICON)


def source(minutes_ago: float | None, stale_for: float | None = None, error: str | None = None) -> SourceState:
    last = None if minutes_ago is None else NOW - timedelta(minutes=minutes_ago)
    since = None if stale_for is None else NOW - timedelta(minutes=stale_for)
    return SourceState("desk", last, since, error)


def test_data_is_fresh_up_to_the_limit_and_stale_past_it() -> None:
    assert freshness([source(10)], NOW, 10)["stale"] is False
    past = freshness([source(11)], NOW, 10)
    assert past["stale"] is True and past["ageMinutes"] == 11 and past["reason"] == "no sync has finished since"


def test_the_oldest_source_decides_and_a_failing_one_gives_the_reason() -> None:
    found = freshness([source(1), source(30, stale_for=25, error="HTTP 503")], NOW, 10)
    assert found["ageMinutes"] == 30 and found["stale"] is True and found["reason"] == "desk: HTTP 503"


def test_a_source_that_never_synced_is_stale_and_no_source_is_not() -> None:
    never = freshness([source(None)], NOW, 10)
    assert never["stale"] is True and never["ageMinutes"] is None and "has not synced yet" in never["reason"]
    assert freshness([], NOW, 10)["stale"] is False


def test_the_mask_blanks_known_names_whole_and_in_any_case() -> None:
    mask = Redactor(["Acme", "Acme Holding", "AB"], active=True)
    assert mask.text("Uplink of ACME HOLDING and acme") == f"Uplink of {MASK} and {MASK}"
    assert mask.text("AB stays: too short to blank safely") == "AB stays: too short to blank safely"


def test_without_the_mask_text_passes_unchanged() -> None:
    assert Redactor(["Acme"], active=False).text("Acme uplink") == "Acme uplink"
