"""Builders for uptime tests: a small network like the one in issue 5, instants in October 2026 (UTC)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

from deskpulse.domain.sla import BusinessCalendar, Interval
from deskpulse.uptime import (
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
    UptimePolicy,
    service_availability,
)

OCTOBER = Interval(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
SEPTEMBER = Interval(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
OCTOBER_S = 31 * 86400
NO_MERGING = UptimePolicy(merge_flaps=False)
M = 60
H = 3600

# cpe -> access switch -> (1 of 2 distribution switches) -> core -> (1 of 2 carrier uplinks)
NETWORK: dict[str, list[tuple[int, list[str]]]] = {
    "cpe-acme-01": [(1, ["acc-sw-03"])],
    "acc-sw-03": [(1, ["dist-sw-01", "dist-sw-02"])],
    "dist-sw-01": [(1, ["core-01"])],
    "dist-sw-02": [(1, ["core-01"])],
    "core-01": [(1, ["uplink-a", "uplink-b"])],
}
ROLES = {"uplink-a": Role.CARRIER, "uplink-b": Role.CARRIER, "core-01": Role.CORE}
ALL_DEVICES = ("cpe-acme-01", "acc-sw-03", "dist-sw-01", "dist-sw-02", "core-01", "uplink-a", "uplink-b")
INTERNET = Service("acme-internet", "ACME", "Internet 100M", "cpe-acme-01", 99.9)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 10) -> datetime:
    """An instant in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def version(
    parents: Mapping[str, Sequence[tuple[int, Sequence[str]]]] = NETWORK,
    services: Sequence[Service] = (INTERNET,),
    *,
    roles: Mapping[str, Role] = ROLES,
    maintenance: Sequence[MaintenanceWindow] = (),
    effective_from: date | None = None,
) -> GraphVersion:
    """A graph version from ``{child: [(need, [parents...]), ...]}``."""
    devices = {
        h: Device(h, tuple(ParentGroup(n, tuple(of)) for n, of in parents.get(h, [])), roles.get(h))
        for h in dict.fromkeys([*parents, *roles])
    }
    return GraphVersion(effective_from, devices, tuple(services), tuple(maintenance))


def monitoring(
    outages: Mapping[str, Iterable[tuple[datetime, datetime | None]]] = {},
    *,
    devices: Iterable[str] = ALL_DEVICES,
    unknown: Mapping[str, Iterable[tuple[datetime, datetime]]] = {},
    poller_gaps: Iterable[tuple[datetime, datetime]] = (),
) -> Monitoring:
    """Monitoring data in which every one of ``devices`` is known and up except for the given outages."""
    return Monitoring(
        {
            h: DeviceData(
                tuple(Outage(s, e) for s, e in outages.get(h, ())),
                tuple(Interval(s, e) for s, e in unknown.get(h, ())),
            )
            for h in devices
        },
        tuple(Interval(s, e) for s, e in poller_gaps),
    )


def one(
    history: GraphHistory | GraphVersion,
    data: Monitoring,
    period: Interval = OCTOBER,
    *,
    now: datetime | None = None,
    policy: UptimePolicy = NO_MERGING,
    calendars: Mapping[str, BusinessCalendar] | None = None,
) -> ServiceAvailability:
    """The availability of the only (or first) service; ``now`` defaults to the end of the period."""
    if isinstance(history, GraphVersion):
        history = GraphHistory([history])
    results = service_availability(
        history, data, period.start, period.end, now=now or period.end, policy=policy, calendars=calendars
    )
    return results[0]
