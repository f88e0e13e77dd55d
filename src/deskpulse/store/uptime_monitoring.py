"""Monitoring data for the uptime engine, read from what the LibreNMS poller stored.

For each device: its recorded outages, the periods in which its source's poller was silent, the time after it
vanished from LibreNMS (both unknown), and ``monitored_since`` (when LibreNMS added it, else when deskpulse
first saw it). A device the store does not know at all is unknown throughout, as the engine rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, type_coerce
from sqlalchemy.orm import Session

from deskpulse.domain.sla.hours import Interval
from deskpulse.store.tables import SourceRow, UTCDateTime
from deskpulse.store.uptime_tables import NmsDeviceRow, NmsOutageRow, NmsPollStateRow, NmsUnknownRow
from deskpulse.uptime import DeviceData, Monitoring, Outage

MONITORING_KINDS = ("librenms",)


def monitoring_source_ids(session: Session) -> list[int]:
    """Ids of every monitoring source in the store (LibreNMS sources)."""
    return list(
        session.scalars(select(SourceRow.id).where(SourceRow.kind.in_(MONITORING_KINDS)).order_by(SourceRow.id))
    )


def data_versions(session: Session, source_ids: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(source id, data version) per monitoring source: changes whenever a poll changes stored data."""
    rows = session.execute(
        select(NmsPollStateRow.source_id, NmsPollStateRow.data_version).where(NmsPollStateRow.source_id.in_(source_ids))
    ).all()
    found = dict(rows)
    return tuple((sid, int(found.get(sid, 0))) for sid in source_ids)


def changed_from(session: Session, seen: Mapping[int, int], source_ids: Sequence[int]) -> datetime | bool | None:
    """The earliest instant touched by changes after the ``seen`` data versions: a datetime; None when nothing
    changed; True when it cannot be told (a poll's record was dropped, or a change had no bound)."""
    earliest: datetime | None = None
    for row in session.scalars(select(NmsPollStateRow).where(NmsPollStateRow.source_id.in_(source_ids))):
        before = seen.get(row.source_id, 0)
        if row.data_version <= before:
            continue
        newer = [(int(v), at) for v, at in row.changes or [] if int(v) > before]
        if len(newer) < row.data_version - before:
            return True
        for _, at in newer:
            if at is None:
                return True
            instant = datetime.fromisoformat(at)
            earliest = instant if earliest is None else min(earliest, instant)
    return earliest


@dataclass(frozen=True, slots=True)
class DeviceIndex:
    """What monitoring reads of the devices: (source id, hostname, monitored since, removed at), by source.
    It changes only when ``devices_version`` does, so callers may keep it between polls."""

    rows: tuple[tuple[int, str, datetime, datetime | None], ...]


def devices_key(session: Session, source_ids: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(source id, devices version) per source: a key for a kept ``DeviceIndex``."""
    rows = session.execute(
        select(NmsPollStateRow.source_id, NmsPollStateRow.devices_version).where(
            NmsPollStateRow.source_id.in_(source_ids)
        )
    ).all()
    found = dict(rows)
    return tuple((sid, int(found.get(sid, 0))) for sid in source_ids)


def load_devices(session: Session, source_ids: Sequence[int]) -> DeviceIndex:
    """Every device of ``source_ids`` with when its data starts and, if it vanished, when."""
    since = type_coerce(func.coalesce(NmsDeviceRow.added_at, NmsDeviceRow.first_seen_at), UTCDateTime)
    rows = session.execute(
        select(NmsDeviceRow.source_id, NmsDeviceRow.hostname, since, NmsDeviceRow.removed_at)
        .where(NmsDeviceRow.source_id.in_(source_ids))
        .order_by(NmsDeviceRow.source_id)
    )
    return DeviceIndex(tuple((sid, host, at, removed) for sid, host, at, removed in rows))


def load_monitoring(
    session: Session,
    source_ids: Sequence[int],
    lo: datetime,
    hi: datetime,
    now: datetime,
    devices: DeviceIndex | None = None,
) -> Monitoring:
    """Monitoring data of ``source_ids`` over ``[lo, hi)`` (outages and gaps outside it are left out);
    ``devices`` saves reading the device list again."""
    if not source_ids:
        return Monitoring()
    gaps: dict[int, list[Interval]] = defaultdict(list)
    for sid, start, end in session.execute(
        select(NmsUnknownRow.source_id, NmsUnknownRow.start, NmsUnknownRow.end).where(
            NmsUnknownRow.source_id.in_(source_ids),
            NmsUnknownRow.start < hi,
            or_(NmsUnknownRow.end.is_(None), NmsUnknownRow.end > lo),
        )
    ):
        gaps[sid].append(Interval(start, end if end is not None else max(now, start)))
    outages: dict[tuple[int, str], list[Outage]] = defaultdict(list)
    # Open outages, then those ending after ``lo``: each query uses the (source_id, end) index. Outages that
    # began at or after ``hi`` are dropped here (few: the period ends at most at now).
    for ends in (NmsOutageRow.end.is_(None), NmsOutageRow.end > lo):
        query = select(NmsOutageRow.source_id, NmsOutageRow.hostname, NmsOutageRow.start, NmsOutageRow.end).where(
            NmsOutageRow.source_id.in_(source_ids), ends
        )
        for sid, host, start, end in session.execute(query):
            if start < hi:
                outages[(sid, host)].append(Outage(start, end))
    for found in outages.values():
        found.sort(key=lambda o: o.start)
    shared_gaps = {sid: tuple(found) for sid, found in gaps.items()}
    data: dict[str, DeviceData] = {}
    for sid, host, since, removed_at in (devices or load_devices(session, source_ids)).rows:
        if host in data or sid not in source_ids:
            continue  # the same hostname in two sources: the first source's data counts
        unknown = shared_gaps.get(sid, ())
        if removed_at is not None and removed_at < hi:
            unknown = (*unknown, Interval(removed_at, max(hi, removed_at)))
        data[host] = DeviceData(tuple(outages.get((sid, host), ())), unknown, since)
    return Monitoring(data)
