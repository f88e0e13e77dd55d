"""How the report prints numbers: durations add up, percentages keep one decimal, Dutch uses a comma."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from deskpulse.reports import formatting
from deskpulse.reports.settings import parse_schedule


def _seconds(text: str) -> int:
    units = {"s": 1, "min": 60, "h": 3600, "u": 3600, "d": 86400}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+) (s|min|h|u|d)\b", text))


@given(st.integers(min_value=0, max_value=400 * 86400))
def test_a_printed_duration_is_the_real_one_rounded_down_to_its_smallest_unit(seconds: int) -> None:
    shown = _seconds(formatting.duration(seconds, "en"))
    unit = 1 if seconds < 60 else 60 if seconds < 48 * 3600 else 3600
    assert shown <= seconds < shown + unit


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_percentage_has_one_decimal_and_a_comma_in_dutch(value: float) -> None:
    english, dutch = formatting.pct(value, "en"), formatting.pct(value, "nl")
    assert re.fullmatch(r"\d{1,3}\.\d%", english)
    assert dutch == english.replace(".", ",")
    assert abs(float(english[:-1]) - value) <= 0.05 + 1e-9


def test_no_value_prints_a_dash_not_a_zero() -> None:
    assert formatting.duration(None, "en") == formatting.pct(None, "nl") == formatting.number(None, "en") == "–"
    assert formatting.change(5, None, "en") == "–"


def test_a_schedule_is_a_day_from_1_to_28_and_a_time() -> None:
    assert parse_schedule("2 08:00") == (2, 8, 0)
    assert parse_schedule("28 23:59") == (28, 23, 59)
    assert parse_schedule("29 08:00") is None and parse_schedule("2 24:00") is None and parse_schedule("2nd") is None
