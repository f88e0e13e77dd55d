"""Writing one LibreNMS poll into the store (in the caller's transaction) and noting what it changed.

Every change is bounded by the earliest instant it touches (an outage added at its start, an outage that
closed at its end, a poller-silent period at its start or end). Cached figures of days before that instant
stay valid, which is what lets the uptime views recompute only today (``uptime_monitoring.changed_from``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskpulse.connectors.librenms import Device, Link, Outage, OutageSyncState
from deskpulse.store.uptime_tables import (
    NmsDeviceRow,
    NmsOutageRow,
    NmsPollStateRow,
    NmsUnknownRow,
    UptimeSuggestionRow,
)

KEEP_CHANGES = 100
SILENT_REASON = "LibreNMS's poller was silent: no device was polled or pinged lately"
# Higher ranks sit further up the path; an LLDP neighbour of higher rank is offered as a parent.
ROLE_RANK = {"cpe": 0, "access": 1, "distribution": 2, "core": 3, "carrier": 4}


@dataclass(frozen=True, slots=True)
class PollData:
    """What one poll read; ``outages`` holds the complete list since ``since`` of each device read."""

    devices: Sequence[Device]
    outages: Mapping[str, Sequence[Outage]]
    state: OutageSyncState
    since: datetime
    silent: bool
    links: Sequence[Link] | None = None


@dataclass(slots=True)
class PollChanges:
    """Counts for the log, and the earliest instant any change touched."""

    earliest: datetime | None = None
    devices_added: int = 0
    devices_removed: int = 0
    outages_added: int = 0
    outages_changed: int = 0
    outages_removed: int = 0
    devices_changed: bool = False  # a device appeared, vanished or got another ``added_at``
    silence: str | None = None  # "began" / "ended"
    suggestions_added: int = 0
    notes: list[str] = field(default_factory=list)

    def touch(self, at: datetime) -> None:
        """Record that a change reaches back to ``at``."""
        self.earliest = at if self.earliest is None else min(self.earliest, at)


def poll_state(session: Session, source_id: int) -> NmsPollStateRow:
    """The source's poll state row, created empty when missing."""
    row = session.get(NmsPollStateRow, source_id)
    if row is None:
        row = NmsPollStateRow(source_id=source_id, changes=[], data_version=0, devices_version=0, throttle_waits=0,
                              throttle_wait_seconds=0.0, devices=0, outages_read=0)  # fmt: skip
        session.add(row)
        session.flush()
    return row


def apply_poll(session: Session, source_id: int, data: PollData, now: datetime) -> PollChanges:
    """Store one poll: devices, outages of the devices read, poller silence, suggestions, the sync state."""
    changes = PollChanges()
    _devices(session, source_id, data.devices, now, changes)
    _outages(session, source_id, data.outages, data.since, changes)
    _silence(session, source_id, data, now, changes)
    if data.links is not None:
        _suggestions(session, source_id, data.devices, data.links, now, changes)
    state = poll_state(session, source_id)
    state.outage_state = data.state.to_json()
    state.devices = len(data.devices)
    state.outages_read = len(data.outages)
    if data.links is not None:
        state.links_polled_at = now
    if changes.devices_changed:
        state.devices_version += 1
    if changes.earliest is not None:
        state.data_version += 1
        entry = [state.data_version, changes.earliest.isoformat()]
        state.changes = [*(state.changes or []), entry][-KEEP_CHANGES:]
    return changes


def _devices(session: Session, source_id: int, devices: Sequence[Device], now: datetime, changes: PollChanges) -> None:
    stored = {r.hostname: r for r in session.scalars(select(NmsDeviceRow).where(NmsDeviceRow.source_id == source_id))}
    for device in devices:
        row = stored.pop(device.hostname, None)
        if row is None:
            row = NmsDeviceRow(source_id=source_id, hostname=device.hostname, first_seen_at=now)
            session.add(row)
            changes.devices_added += 1
            changes.devices_changed = True
            changes.touch(device.added_at or now)
        else:
            if row.removed_at is not None:
                changes.touch(row.removed_at)
                changes.devices_changed = True
                row.removed_at = None
            if row.added_at != device.added_at:
                changes.devices_changed = True
                changes.touch(min(t for t in (row.added_at, device.added_at, row.first_seen_at) if t is not None))
        row.device_id, row.sys_name, row.status = device.device_id, device.sys_name, device.status.value
        row.librenms_up, row.stale, row.last_polled = device.librenms_up, device.stale, device.last_polled
        row.role_hint, row.location, row.added_at = device.role_hint, device.location, device.added_at
        row.disabled, row.ignored, row.last_seen_at = device.disabled, device.ignored, now
    for row in stored.values():  # deleted in LibreNMS: unknown from now on
        if row.removed_at is None:
            row.removed_at = now
            changes.devices_removed += 1
            changes.devices_changed = True
            changes.touch(now)


def _outages(
    session: Session, source_id: int, read: Mapping[str, Sequence[Outage]], since: datetime, changes: PollChanges
) -> None:
    hosts = sorted(read)
    for chunk in (hosts[i : i + 500] for i in range(0, len(hosts), 500)):
        stored: dict[tuple[str, datetime], NmsOutageRow] = {
            (r.hostname, r.start): r
            for r in session.scalars(
                select(NmsOutageRow).where(NmsOutageRow.source_id == source_id, NmsOutageRow.hostname.in_(chunk))
            )
        }
        for host in chunk:
            for outage in read[host]:
                row = stored.pop((host, outage.start), None)
                if row is None:
                    session.add(NmsOutageRow(source_id=source_id, hostname=host, start=outage.start, end=outage.end))
                    changes.outages_added += 1
                    changes.touch(outage.start)
                elif row.end != outage.end:
                    changes.touch(min(t for t in (row.end, outage.end) if t is not None))
                    row.end = outage.end
                    changes.outages_changed += 1
        # Rows the connector no longer returns: gone in LibreNMS, unless they merely ended before ``since``.
        gone = [r for r in stored.values() if r.end is None or r.end >= since]
        if gone:
            session.execute(delete(NmsOutageRow).where(NmsOutageRow.id.in_([r.id for r in gone])))
            changes.outages_removed += len(gone)
            changes.touch(min(r.start for r in gone))


def _last_seen(device: Device) -> datetime | None:
    return max((t for t in (device.last_polled, device.last_ping) if t is not None), default=None)


def _silence(session: Session, source_id: int, data: PollData, now: datetime, changes: PollChanges) -> None:
    open_row = session.scalar(
        select(NmsUnknownRow).where(NmsUnknownRow.source_id == source_id, NmsUnknownRow.end.is_(None))
    )
    enabled = [d for d in data.devices if not d.disabled]
    if data.silent and open_row is None:
        # The poller stopped after the last time any device was seen.
        start = max((t for d in enabled if (t := _last_seen(d)) is not None), default=now)
        session.add(NmsUnknownRow(source_id=source_id, start=min(start, now), end=None, reason=SILENT_REASON))
        changes.silence = "began"
        changes.touch(min(start, now))
    elif not data.silent and open_row is not None:
        # It runs again since about the earliest poll among the devices it looked at again.
        fresh = [t for d in enabled if not d.stale and (t := _last_seen(d)) is not None and t > open_row.start]
        open_row.end = min(min(fresh, default=now), now)
        changes.silence = "ended"
        changes.touch(open_row.end)


def suggested_pairs(devices: Iterable[Device], links: Iterable[Link]) -> dict[tuple[str, str], Link | None]:
    """(child, parent) pairs worth offering: monitored LLDP/CDP neighbours one role further up, and LibreNMS's
    own dependency parents (no link)."""
    by_host = {d.hostname: d for d in devices}
    pairs: dict[tuple[str, str], Link | None] = {}
    for link in links:
        local, remote = by_host.get(link.local_host), by_host.get(link.remote_host)
        if local is None or remote is None or link.remote_device_id is None:
            continue
        low, high = ROLE_RANK.get(local.role_hint or ""), ROLE_RANK.get(remote.role_hint or "")
        if low is None or high is None or low == high:
            continue
        child, parent = (local, remote) if low < high else (remote, local)
        pairs.setdefault((child.hostname, parent.hostname), link)
    for device in by_host.values():
        for named in device.parent_hostnames:
            if named in by_host and named != device.hostname:
                pairs.setdefault((device.hostname, named), None)
    return pairs


def _suggestions(
    session: Session, source_id: int, devices: Sequence[Device], links: Sequence[Link], now: datetime,
    changes: PollChanges,
) -> None:  # fmt: skip
    stored = {
        (r.child, r.parent): r
        for r in session.scalars(select(UptimeSuggestionRow).where(UptimeSuggestionRow.source_id == source_id))
    }
    for (child, parent), link in suggested_pairs(devices, links).items():
        row = stored.get((child, parent))
        if row is not None:
            row.last_seen_at = now
            continue
        forward = link is not None and link.local_host == child
        session.add(
            UptimeSuggestionRow(
                source_id=source_id, child=child, parent=parent,
                protocol=link.protocol if link is not None else "librenms",
                child_port=(link.local_port if forward else link.remote_port) if link is not None else None,
                parent_port=(link.remote_port if forward else link.local_port) if link is not None else None,
                state="open", first_seen_at=now, last_seen_at=now,
            )
        )  # fmt: skip
        changes.suggestions_added += 1
