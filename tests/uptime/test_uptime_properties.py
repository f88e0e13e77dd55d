"""Properties of the availability engine for any outages, gaps and maintenance on a small network.

Every boundary falls on a whole minute, and a brute-force reference that evaluates each stretch between two
boundaries on its own (trying every way the unknown devices could have been, on a plain recursive reading of
the rules) must agree exactly with the event-driven sweep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise, product

from hypothesis import given, settings
from hypothesis import strategies as st

from deskpulse.domain.sla import Interval
from deskpulse.uptime import (
    DEFAULT_POLICY,
    Device,
    DeviceData,
    GraphHistory,
    GraphVersion,
    MaintenanceWindow,
    Monitoring,
    Outage,
    ParentGroup,
    Role,
    Service,
    ServiceAvailability,
    State,
    UptimePolicy,
    service_availability,
)

T0 = datetime(2026, 10, 1, tzinfo=UTC)
MINUTES = 360
PARENTS = {
    "cpe-1": [(1, ("acc-1",))],
    "cpe-2": [(1, ("acc-1", "acc-2")), (1, ("power-1",))],
    "acc-1": [(1, ("dist-1", "dist-2"))],
    "acc-2": [(2, ("dist-1", "dist-2", "dist-3"))],
    "dist-1": [(1, ("core",))],
    "dist-2": [(1, ("core",))],
    "dist-3": [(1, ("core",))],
    "core": [(1, ("up-a", "up-b"))],
}
DEVICES = sorted({*PARENTS, *(m for groups in PARENTS.values() for _, of in groups for m in of)})
SERVICES = (
    Service("s1", "A", "one", "cpe-1", 99.9),
    Service("s2", "A", "two", "cpe-2", 99.5),
    Service("s3", "B", "switch", "acc-2", 99.0),
)
GRAPH = GraphVersion(
    None,
    {
        h: Device(
            h, tuple(ParentGroup(n, of) for n, of in PARENTS.get(h, [])), Role.CARRIER if h.startswith("up-") else None
        )
        for h in DEVICES
    },
    SERVICES,
)
FAST = settings(max_examples=60, deadline=None)
EXACT = UptimePolicy(merge_flaps=False)


def minute(m: int) -> datetime:
    return T0 + timedelta(minutes=m)


@dataclass(frozen=True)
class Event:
    kind: str  # outage, open, unknown, maintenance, gap (a poller gap: every device unknown)
    device: str
    start: int
    length: int


events = st.builds(
    Event,
    st.sampled_from(["outage", "outage", "outage", "open", "unknown", "maintenance", "gap"]),
    st.sampled_from(DEVICES),
    st.integers(0, MINUTES - 1),
    st.integers(1, 120),
)
scenarios = st.lists(events, max_size=10)
nows = st.one_of(st.just(MINUTES), st.integers(1, MINUTES + 60))


def compute(evs: Iterable[Event], now: int, policy: UptimePolicy = EXACT) -> dict[str, ServiceAvailability]:
    evs = list(evs)
    data = Monitoring(
        {
            h: DeviceData(
                [
                    Outage(minute(e.start), None if e.kind == "open" else minute(e.start + e.length))
                    for e in evs
                    if e.device == h and e.kind in {"outage", "open"}
                ],
                [
                    Interval(minute(e.start), minute(e.start + e.length))
                    for e in evs
                    if e.device == h and e.kind == "unknown"
                ],
            )
            for h in DEVICES
        },
        [Interval(minute(e.start), minute(e.start + e.length)) for e in evs if e.kind == "gap"],
    )
    windows = [
        MaintenanceWindow(e.device, minute(e.start), minute(e.start + e.length)) for e in evs if e.kind == "maintenance"
    ]
    history = GraphHistory([GRAPH], maintenance=windows)
    results = service_availability(history, data, T0, minute(MINUTES), now=minute(now), policy=policy)
    return {r.service.id: r for r in results}


# --- the brute-force reference -------------------------------------------------------------------------------


def own_at(evs: list[Event], device: str, m: int, now: int) -> tuple[str, bool]:
    """(status, maintained) of a device during minute ``m``."""

    def covers(e: Event) -> bool:
        end = now if e.kind == "open" else e.start + e.length
        return e.start <= m < end

    if any(covers(e) for e in evs if e.kind == "gap" or (e.kind == "unknown" and e.device == device)):
        status = "unknown"
    elif any(covers(e) for e in evs if e.kind in {"outage", "open"} and e.device == device):
        status = "down"
    else:
        status = "up"
    return status, any(covers(e) for e in evs if e.kind == "maintenance" and e.device == device)


def effectively_up(device: str, up: dict[str, bool]) -> bool:
    return up[device] and all(sum(effectively_up(p, up) for p in of) >= need for need, of in PARENTS.get(device, []))


@cache
def ancestors(device: str) -> frozenset[str]:
    found = {device}
    for _, of in PARENTS.get(device, []):
        for parent in of:
            found |= ancestors(parent)
    return frozenset(found)


def reference_state(evs: list[Event], service: Service, m: int, now: int) -> State:
    relevant = sorted(ancestors(service.device))
    own = {h: own_at(evs, h, m, now) for h in relevant}
    unknown = [h for h in relevant if own[h][0] == "unknown"]
    outcomes = set()
    for guess in product([False, True], repeat=len(unknown)):
        up = {h: own[h][0] == "up" for h in relevant} | dict(zip(unknown, guess, strict=True))
        excused = {h: up[h] or own[h][1] for h in relevant}
        if effectively_up(service.device, up):
            outcomes.add(State.UP)
        elif effectively_up(service.device, excused):
            outcomes.add(State.MAINTENANCE)
        else:
            outcomes.add(State.DOWN)
    return outcomes.pop() if len(outcomes) == 1 else State.UNKNOWN


# --- properties ----------------------------------------------------------------------------------------------


@FAST
@given(evs=scenarios, now=nows)
def test_the_sweep_agrees_with_a_brute_force_reading_of_the_rules(evs: list[Event], now: int) -> None:
    results = compute(evs, now)
    end = min(now, MINUTES)
    # Nothing changes between two boundaries, so the reference looks at the first minute of each stretch.
    cuts = sorted({0, end, *(t for e in evs for t in (e.start, e.start + e.length) if 0 < t < end)})
    for service in SERVICES:
        expected = dict.fromkeys(State, 0.0)
        for a, b in pairwise(cuts):
            expected[reference_state(evs, service, a, now)] += 60 * (b - a)
        figures = results[service.id].figures
        assert (figures.up_s, figures.down_s, figures.unknown_s, figures.maintenance_s) == (
            expected[State.UP],
            expected[State.DOWN],
            expected[State.UNKNOWN],
            expected[State.MAINTENANCE],
        )


@FAST
@given(evs=scenarios, now=nows, policy=st.sampled_from([EXACT, DEFAULT_POLICY, UptimePolicy(min_outage_s=600)]))
def test_states_partition_the_observed_period_without_gaps_or_overlaps(
    evs: list[Event], now: int, policy: UptimePolicy
) -> None:
    observed = min(now, MINUTES) * 60
    for result in compute(evs, now, policy).values():
        f = result.figures
        assert f.up_s + f.down_s + f.unknown_s + f.maintenance_s == f.scheduled_s == observed
        assert [s.start for s in result.slices] == [T0, *(s.end for s in result.slices[:-1])]
        assert result.slices[-1].end == minute(min(now, MINUTES))
        assert f.sli is None or 0 <= f.sli <= 1
        assert f.sli_conservative is None or 0 <= f.sli_conservative <= 1
        assert f.sli is not None or f.sli_note is not None


@FAST
@given(evs=scenarios, extra=events, now=nows, policy=st.sampled_from([EXACT, DEFAULT_POLICY]))
def test_adding_an_outage_never_increases_up_time(
    evs: list[Event], extra: Event, now: int, policy: UptimePolicy
) -> None:
    outage = Event("outage", extra.device, extra.start, extra.length)
    before, after = compute(evs, now, policy), compute([*evs, outage], now, policy)
    for service in SERVICES:
        assert after[service.id].figures.up_s <= before[service.id].figures.up_s
        assert after[service.id].figures.down_s >= before[service.id].figures.down_s


@FAST
@given(evs=scenarios, now=nows)
def test_a_service_is_down_at_least_while_its_own_device_is_known_to_be_down(evs: list[Event], now: int) -> None:
    results = compute(evs, now, DEFAULT_POLICY)
    for service in SERVICES:
        own_down = sum(60 for m in range(min(now, MINUTES)) if own_at(evs, service.device, m, now) == ("down", False))
        assert results[service.id].figures.down_s >= own_down


@FAST
@given(evs=scenarios, now=nows)
def test_every_down_slice_blames_the_highest_failing_component(evs: list[Event], now: int) -> None:
    for service in SERVICES:
        for piece in compute(evs, now)[service.id].slices:
            if piece.state is not State.DOWN:
                continue
            assert piece.cause is not None
            m = int((piece.start - T0).total_seconds() // 60)
            optimistic = {h: own_at(evs, h, m, now) != ("down", False) for h in DEVICES}
            path = ancestors(service.device)
            if piece.cause.need is None:
                (blamed,) = piece.cause.devices
                assert blamed in path
                assert not optimistic[blamed]  # really down, not in maintenance
                assert all(
                    sum(effectively_up(p, optimistic) for p in of) >= need for need, of in PARENTS.get(blamed, [])
                )
            else:
                group = (piece.cause.need, piece.cause.devices)
                assert any(group in PARENTS.get(h, []) for h in path)
                assert sum(effectively_up(p, optimistic) for p in piece.cause.devices) < piece.cause.need


@FAST
@given(
    starts=st.lists(st.tuples(st.sampled_from(["dist-2", "up-b", "dist-3"]), st.integers(0, 300), st.integers(1, 60)))
)
def test_a_redundant_member_failing_alone_never_causes_downtime(starts: list[tuple[str, int, int]]) -> None:
    evs = [Event("outage", device, start, length) for device, start, length in starts]
    assert compute(evs, MINUTES, DEFAULT_POLICY)["s1"].figures.down_s == 0


@FAST
@given(evs=scenarios)
def test_maintenance_and_missing_data_never_count_as_down(evs: list[Event]) -> None:
    # Every outage becomes planned work on the same device, or a stretch without data.
    planned = [e for e in evs if e.kind in {"outage", "open"}]
    excused = [Event("maintenance", e.device, e.start, MINUTES) for e in planned]
    kept = [e for e in evs if e.kind not in {"outage", "open"}]
    for result in compute([*kept, *planned, *excused], MINUTES, DEFAULT_POLICY).values():
        assert result.figures.down_s == 0
    unknown = [Event("unknown", e.device, e.start, e.length) for e in planned]
    for result in compute([*kept, *unknown], MINUTES, DEFAULT_POLICY).values():
        assert result.figures.down_s == 0
