"""A period computed as "the days before today" plus "today" gives exactly the figures of computing it at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpulse.uptime import GraphHistory, MaintenanceWindow, UptimePolicy, service_availability
from deskpulse.uptime.incremental import combine_all, earlier_parts, raw_parts, with_today
from uptime_support import ALL_DEVICES, NETWORK, OCTOBER, at, monitoring, version

spans = st.tuples(
    st.sampled_from(ALL_DEVICES),
    st.integers(0, 30 * 24 * 60),  # start, minutes into October
    st.integers(1, 600),  # length in minutes
    st.booleans(),  # still open
)
policies = st.builds(UptimePolicy, st.sampled_from([0, 300, 1800]), st.booleans(), st.sampled_from([0, 120, 900]))
REWIRED = {**NETWORK, "acc-sw-03": [(1, ["dist-sw-02"])]}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(spans, max_size=12),
    st.integers(1, 30),
    st.integers(0, 23 * 60),
    policies,
    st.lists(st.sampled_from(ALL_DEVICES), max_size=2),
)
def test_splitting_at_today_changes_no_figure_budget_or_incident(
    outages: list[tuple[str, int, int, bool]], day: int, minute: int, policy: UptimePolicy, maintained: list[str]
) -> None:
    found: dict[str, list[tuple[object, object]]] = {}
    for host, start, length, still_open in outages:
        begin = OCTOBER.start + timedelta(minutes=start)
        found.setdefault(host, []).append((begin, None if still_open else begin + timedelta(minutes=length)))
    data = monitoring(
        {h: sorted(spans, key=lambda s: s[0]) for h, spans in found.items()},  # type: ignore[misc]
        poller_gaps=[(at(5, 1), at(5, 2))],
    )
    windows = [MaintenanceWindow(h, at(12, 2), at(12, 3)) for h in maintained]
    history = GraphHistory(
        [version(effective_from=date(2026, 1, 1)), version(REWIRED, effective_from=date(2026, 10, 15))],
        maintenance=windows,
    )
    now = at(day) + timedelta(minutes=minute)
    today = at(day)
    whole = service_availability(history, data, *OCTOBER, now=now, policy=policy)
    earlier = raw_parts(history, data, OCTOBER.start, today, now=today)
    later = raw_parts(history, data, today, OCTOBER.end, now=now)
    joined = combine_all(earlier, later, OCTOBER, now, policy)
    assert [r.figures for r in joined] == [r.figures for r in whole]
    assert [r.incidents for r in joined] == [r.incidents for r in whole]
    assert [r.slices for r in joined] == [r.slices for r in whole]
    assert [r.allowed_down_s for r in joined] == pytest.approx([r.allowed_down_s for r in whole])
    kept = earlier_parts(history, data, OCTOBER, today, policy)
    extended = with_today(history, kept, data, OCTOBER, now, policy)
    assert [(r.service, r.figures, r.incidents, r.slices) for r in extended] == [
        (r.service, r.figures, r.incidents, r.slices) for r in whole
    ]
    assert [r.allowed_down_s for r in extended] == pytest.approx([r.allowed_down_s for r in whole])
    assert [r.scheduled_ahead_s for r in extended] == pytest.approx([r.scheduled_ahead_s for r in whole])


@pytest.mark.parametrize(("policy", "incidents"), [(UptimePolicy(), 1), (UptimePolicy(min_outage_s=7200), 0)])
def test_an_outage_that_ended_at_midnight_ends_there_when_nothing_happened_since(
    policy: UptimePolicy, incidents: int
) -> None:
    data = monitoring({"dist-sw-01": [(at(19, 23), at(20))], "dist-sw-02": [(at(19, 22), at(20))]})
    history = GraphHistory([version(effective_from=date(2026, 1, 1))])
    now = at(20, 15)
    kept = earlier_parts(history, data, OCTOBER, at(20), policy)
    assert [i.end for i in kept.final["acme-internet"].incidents] == [None] * incidents  # still down at midnight
    extended = with_today(history, kept, data, OCTOBER, now, policy)
    whole = service_availability(history, data, *OCTOBER, now=now, policy=policy)
    assert [(r.figures, r.incidents, r.slices) for r in extended] == [(r.figures, r.incidents, r.slices) for r in whole]
    assert [i.end for i in extended[0].incidents] == [at(20)] * incidents
