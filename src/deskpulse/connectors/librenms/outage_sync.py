"""Which devices' outages to re-read: the incremental strategy and its (persistable) state.

LibreNMS has no "changed since" filter and serves outages one device at a time [S], so reading every device's
outages every poll costs one request per device. Between full sweeps only these devices are read:

* devices not seen before;
* devices whose LibreNMS status flag changed since the last read (up <-> down);
* devices whose newest outage was still open (its ``up_again`` will change);
* devices named in an up/down event of the event log since the last read (``eventlog_hints``), which catches
  an outage that began and ended between two polls.

A full sweep (every device) runs when ``full_sweep_seconds`` have passed since the last one, and on the first
call. The state is a small frozen value: keep it in memory or store ``to_json()`` and pass it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from deskpulse.connectors.librenms.records import Device, Outage


@dataclass(frozen=True, slots=True)
class DeviceMark:
    """What was known of one device after its outages were last read."""

    librenms_up: bool | None
    open_outage: bool


@dataclass(frozen=True, slots=True)
class OutageSyncState:
    """Marks per hostname, when the last full sweep ran, and the event log watermark (next ``from``)."""

    marks: Mapping[str, DeviceMark] = field(default_factory=dict)
    last_full_sweep: datetime | None = None
    eventlog_from: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times ISO); ``from_json`` reads it back."""
        return {
            "marks": {host: [m.librenms_up, m.open_outage] for host, m in self.marks.items()},
            "last_full_sweep": self.last_full_sweep.isoformat() if self.last_full_sweep else None,
            "eventlog_from": self.eventlog_from,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OutageSyncState:
        """The state ``to_json`` wrote."""
        sweep = data.get("last_full_sweep")
        marks = {host: DeviceMark(up, bool(is_open)) for host, (up, is_open) in dict(data.get("marks", {})).items()}
        return cls(marks, datetime.fromisoformat(sweep) if sweep else None, data.get("eventlog_from"))


def sweep_due(state: OutageSyncState, now: datetime, every: timedelta) -> bool:
    """True on the first call and once ``every`` has passed since the last full sweep."""
    return state.last_full_sweep is None or now - state.last_full_sweep >= every


def devices_to_read(devices: Iterable[Device], state: OutageSyncState, hinted: Iterable[str] = ()) -> list[str]:
    """Hostnames whose outages may have changed since ``state`` (see the module docstring), sorted."""
    hints = set(hinted)
    chosen = []
    for device in devices:
        mark = state.marks.get(device.hostname)
        if mark is None or mark.open_outage or mark.librenms_up != device.librenms_up or device.hostname in hints:
            chosen.append(device.hostname)
    return sorted(chosen)


def next_marks(
    devices: Iterable[Device], state: OutageSyncState, read: Mapping[str, list[Outage]]
) -> dict[str, DeviceMark]:
    """Marks after a read: fresh for devices read now, carried over for the rest; vanished devices drop out."""
    marks: dict[str, DeviceMark] = {}
    for device in devices:
        if device.hostname in read:
            outages = read[device.hostname]
            newest = max(outages, key=lambda o: o.start) if outages else None
            marks[device.hostname] = DeviceMark(device.librenms_up, newest is not None and newest.open)
        elif device.hostname in state.marks:
            marks[device.hostname] = state.marks[device.hostname]
    return marks
