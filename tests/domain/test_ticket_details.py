"""Normalising report details: satisfaction scores onto 1..5, hh:mm durations, notes, vendor account references."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpulse.domain.clients import ClientMatcher, account_problems, parse_account
from deskpulse.domain.ticket_details import (
    NOTE_MAX_CHARS,
    SEVEN_POINT,
    clip_note,
    hours_from_hh_mm,
    rating_from_seven_point,
    rating_on_five,
)


@given(st.integers(min_value=2, max_value=100), st.data())
def test_a_score_lands_on_one_to_five_with_the_ends_of_the_scale_on_the_ends(total: int, data: st.DataObject) -> None:
    acquired = data.draw(st.integers(min_value=1, max_value=total))
    rating = rating_on_five(acquired, total)
    assert 1 <= rating <= 5
    assert rating_on_five(1, total) == 1 and rating_on_five(total, total) == 5
    if acquired < total:
        assert rating_on_five(acquired + 1, total) >= rating  # a better score never rates lower


def test_a_five_point_score_keeps_its_value_and_a_ten_point_one_is_spread() -> None:
    assert [rating_on_five(a, 5) for a in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [rating_on_five(a, 10) for a in (1, 5, 6, 10)] == [1, 3, 3, 5]


@pytest.mark.parametrize(("acquired", "total"), [(0, 4), (5, 4), (1, 1), (float("nan"), 4)])
def test_a_score_off_its_scale_is_refused(acquired: float, total: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        rating_on_five(acquired, total)


def test_the_seven_point_codes_map_from_extremely_unhappy_to_extremely_happy() -> None:
    assert [rating_from_seven_point(c) for c in SEVEN_POINT] == [1, 2, 2, 3, 4, 4, 5]
    with pytest.raises(ValueError, match="104"):
        rating_from_seven_point(104)


@given(st.integers(min_value=0, max_value=9999), st.integers(min_value=0, max_value=59))
def test_hh_mm_reads_as_hours(hours: int, minutes: int) -> None:
    assert hours_from_hh_mm(f"{hours:02d}:{minutes:02d}") == pytest.approx(hours + minutes / 60)


@pytest.mark.parametrize("text", [None, "", "1.5", "01:60", "-1:00", "ab:cd"])
def test_a_duration_that_is_not_hh_mm_is_unknown(text: str | None) -> None:
    assert hours_from_hh_mm(text) is None


def test_a_long_note_is_cut_and_an_empty_one_is_none() -> None:
    note = clip_note("x" * 5000)
    assert note is not None and len(note) == NOTE_MAX_CHARS
    assert clip_note("  ") is None and clip_note(" fixed ") == "fixed"


def test_an_account_reference_names_source_kind_and_id() -> None:
    ref = parse_account("autotask-x:company:29683")
    assert (ref.source, ref.kind, ref.external_id) == ("autotask-x", "company", "29683")
    for bad in ("29683", "autotask-x:29683", "autotask-x:queue:5", "a:company:1:2"):
        with pytest.raises(ValueError, match="account"):
            parse_account(bad)


def test_a_vendor_account_wins_over_the_requester_domain() -> None:
    matcher = ClientMatcher({"acme": ["acme.nl"], "globex": ["globex.eu"]}, {"globex": ["fs:department:12"]})
    assert matcher.client_for_ticket("fs", "department:12", "kim@acme.nl") == "globex"
    assert matcher.client_for_ticket("fs", "department:13", "kim@acme.nl") == "acme"
    # The same id on another source is another account.
    assert matcher.client_for_ticket("other", "department:12", "kim@acme.nl") == "acme"
    # Department and company name the same account: the kind written in the config does not matter.
    assert ClientMatcher({}, {"acme": ["fs:company:12"]}).client_for_ticket("fs", "department:12", None) == "acme"


def test_account_problems_name_unknown_sources_and_double_claims() -> None:
    problems = account_problems({"acme": ["fs:company:1", "nope:company:2"], "globex": ["fs:department:1"]}, ["fs"])
    assert any("'nope'" in p and "not configured" in p for p in problems)
    assert any("claimed by both 'acme' and 'globex'" in p for p in problems)
