"""The state of a simulated LibreNMS: network, recorded outages, event log, alerts, and the ground truth.

``LibreNmsScenario`` is what the simulator app serves and what tests compare a computation against
(``truth()`` and ``graph_document()``). Time stands still unless moved (``advance``); devices go down and come
back through ``fail`` / ``recover``, the poller through ``poller_down`` / ``poller_up``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deskpulse.simulators.librenms_logs import AlertRecord, EventRecord, seed_alerts, seed_events
from deskpulse.simulators.librenms_outages import (
    HOUR,
    MaintenanceWindow,
    OutageSpan,
    PollerGap,
    UpstreamEvent,
    as_recorded,
    build_history,
    upstream_events,
)
from deskpulse.simulators.librenms_topology import ROLE_CPE, ParentGroup, SimDevice, build_topology
from deskpulse.simulators.scenario import NaiveFormatter, from_epoch, require_aware, to_epoch

POLL_SECONDS = 300  # LibreNMS's default polling interval


@dataclass(frozen=True, slots=True)
class CustomerService:
    """A service delivered to a client over one CPE (ground truth for the uptime engine)."""

    id: str
    client: str
    name: str
    device: str
    slo: float


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What the simulated network really is and what happened to it (epoch seconds, UTC)."""

    now: int
    poll_seconds: int
    parents: dict[str, tuple[ParentGroup, ...]]
    roles: dict[str, str]
    added_at: dict[str, int]
    outages: dict[str, tuple[OutageSpan, ...]]  # as LibreNMS recorded them: what the API serves
    actual_outages: dict[str, tuple[OutageSpan, ...]]  # including outages the poller never saw
    poller_gaps: tuple[PollerGap, ...]
    maintenance: tuple[MaintenanceWindow, ...]
    upstream: tuple[UpstreamEvent, ...]
    flapping: tuple[str, ...]
    hidden_by_gap: tuple[str, ...]
    open_outages: tuple[str, ...]
    services: tuple[CustomerService, ...]


@dataclass(slots=True)
class _Live:
    """Mutable per-run state: recorded outages, the log, alerts, a current poller gap."""

    recorded: dict[str, list[OutageSpan]] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    alerts: dict[int, AlertRecord] = field(default_factory=dict)
    poller_down_since: int | None = None


class LibreNmsScenario:
    """A seeded LibreNMS install: a few hundred devices and ~90 days of outages by default."""

    def __init__(
        self,
        seed: int = 1,
        *,
        cpes: int = 250,
        access: int = 30,
        distribution: int = 6,
        history_days: int = 90,
        now: datetime | None = None,
        server_timezone: str = "UTC",
        legacy_strings: bool = False,
    ) -> None:
        if cpes < 12:
            raise ValueError("the named outage cases need at least 12 CPEs")
        self.seed = seed
        self.rng = random.Random(seed)
        self.server_timezone = server_timezone
        self.fmt = NaiveFormatter(server_timezone)
        # Older LibreNMS releases return every value of raw-SQL rows as a string ("device_id": "1") [D].
        self.legacy_strings = legacy_strings
        self._now = to_epoch(require_aware(now, "now") if now is not None else datetime.now(UTC))
        self.topology = build_topology(self.rng, cpes=cpes, access=access, distribution=distribution, now=self._now)
        cpe_list = [d for d in self.topology.devices.values() if d.role == ROLE_CPE]
        cpe_list[-3].disabled = True  # decommissioned: no longer polled
        cpe_list[-4].ignore = True  # alerts ignored, still polled
        self.history = build_history(self.topology, self.rng, self._now, days=history_days)
        self.live = _Live()
        for host, spans in self.history.actual.items():
            self.live.recorded[host] = as_recorded(spans, self.history.gaps)
        self.live.events = seed_events(self, self.rng)
        self.live.alerts = seed_alerts(self, self.rng)
        self.version = 0

    # ----------------------------------------------------------------- time
    @property
    def now(self) -> datetime:
        """The scenario's current time (aware UTC)."""
        return from_epoch(self._now)

    @property
    def now_epoch(self) -> int:
        """The scenario's current time in Unix seconds."""
        return self._now

    def advance(self, until: datetime) -> None:
        """Move time forward to ``until``; nothing changes by itself (use fail/recover for that)."""
        target = to_epoch(until)
        if target < self._now:
            raise ValueError("cannot advance into the past")
        self._now = target

    # ----------------------------------------------------------------- changes
    def device(self, hostname_or_id: str) -> SimDevice | None:
        """A device by hostname or numeric id, as the API's ``:hostname`` accepts both [D]."""
        if hostname_or_id.isdigit():
            return self.topology.devices.get(int(hostname_or_id))
        return self.topology.by_host.get(hostname_or_id)

    def is_down(self, hostname: str) -> bool:
        """True while ``hostname`` has an open recorded outage."""
        spans = self.live.recorded.get(hostname)
        return spans is not None and bool(spans) and spans[-1].end is None

    def fail(self, hostname: str) -> None:
        """``hostname`` goes down now: an open outage, a Down event and an open alert."""
        self._observable(hostname)
        if self.is_down(hostname):
            return
        self.history.put(hostname, self._now, None)
        self.live.recorded.setdefault(hostname, []).append(OutageSpan(self._now, None))
        self._status_event(hostname, down=True)

    def recover(self, hostname: str) -> None:
        """``hostname`` comes back now: its open outage gets ``up_again``, an Up event, the alert clears."""
        self._observable(hostname)
        if not self.is_down(hostname):
            return
        spans = self.live.recorded[hostname]
        spans[-1] = OutageSpan(spans[-1].start, self._now)
        actual = self.history.actual[hostname]
        actual[-1] = OutageSpan(actual[-1].start, self._now)
        self._status_event(hostname, down=False)

    def delete_device(self, hostname: str) -> None:
        """Remove a leaf device the way LibreNMS does: it vanishes with its ports, links, log and alerts."""
        device = self.topology.by_host[hostname]
        if self.topology.children.get(hostname):
            raise ValueError(f"{hostname} still has children; delete them first")
        topo = self.topology
        del topo.devices[device.device_id], topo.by_host[hostname], topo.children[hostname]
        for siblings in topo.children.values():
            if hostname in siblings:
                siblings.remove(hostname)
        topo.ports = {pid: p for pid, p in topo.ports.items() if p.device_id != device.device_id}
        topo.links = [
            link for link in topo.links if device.device_id not in (link.local_device_id, link.remote_device_id)
        ]
        self.live.recorded.pop(hostname, None)
        self.live.events = [e for e in self.live.events if e.device_id != device.device_id]
        self.live.alerts = {k: a for k, a in self.live.alerts.items() if a.device_id != device.device_id}
        self.version += 1

    def poller_down(self) -> None:
        """The LibreNMS poller stops now: ``last_polled`` goes stale everywhere, nothing new is recorded."""
        if self.live.poller_down_since is None:
            self.live.poller_down_since = self._now

    def poller_up(self) -> None:
        """The poller runs again; the period since ``poller_down`` becomes a poller gap."""
        since = self.live.poller_down_since
        if since is not None:
            self.history.gaps.append(PollerGap(since, self._now))
            self.live.poller_down_since = None

    def _observable(self, hostname: str) -> None:
        if hostname not in self.topology.by_host:
            raise KeyError(hostname)
        if self.live.poller_down_since is not None:
            raise ValueError("the poller is down: LibreNMS records nothing until poller_up()")

    def _status_event(self, hostname: str, *, down: bool) -> None:
        device = self.topology.by_host[hostname]
        next_id = self.live.events[-1].event_id + 1 if self.live.events else 1
        message = f"Device status changed to {'Down' if down else 'Up'} from icmp check."
        self.live.events.append(
            EventRecord(next_id, device.device_id, self._now, message, "availability", 5 if down else 1)
        )
        alert = next((a for a in self.live.alerts.values() if a.device_id == device.device_id and a.rule_id == 1), None)
        if alert is None:
            alert_id = max(self.live.alerts, default=0) + 1
            alert = AlertRecord(alert_id, device.device_id, 1, 0, self._now)
            self.live.alerts[alert_id] = alert
        alert.state, alert.timestamp = (1 if down else 0), self._now
        self.version += 1

    # ----------------------------------------------------------------- what the poller saw
    def unreachable(self) -> dict[str, int]:
        """Devices cut off right now by down upstream devices, with the time they were cut off."""
        down = {host for host in self.live.recorded if self.is_down(host)}
        since: dict[str, int] = {}
        for host in self.topology.isolated_by(down):
            starts = [self.live.recorded[a][-1].start for a in self.topology.ancestors(host) if a in down]
            since[host] = max(starts) if starts else self._now
        return since

    def poll_before(self, device: SimDevice, ts: int) -> int:
        """The device's last scheduled poll at or before ``ts`` (polls run every 5 minutes, per device offset)."""
        return (ts - device.poll_offset) // POLL_SECONDS * POLL_SECONDS + device.poll_offset

    def last_seen(self, device: SimDevice, unreachable: dict[str, int]) -> tuple[int | None, int | None]:
        """(last_polled, last_ping) as epoch seconds; None for a disabled device that is never polled."""
        if device.disabled:
            return None, None
        horizon = self._now if self.live.poller_down_since is None else self.live.poller_down_since
        horizon = min(horizon, unreachable.get(device.hostname, horizon))
        ping = self.poll_before(device, horizon)
        if self.is_down(device.hostname):
            # Down devices are pinged but not polled: last_polled stays at the last poll before the outage [I].
            return self.poll_before(device, self.live.recorded[device.hostname][-1].start), ping
        return ping, ping

    # ----------------------------------------------------------------- ground truth
    def services(self) -> list[CustomerService]:
        """One internet service per CPE, named after its client."""
        found = []
        for device in self.topology.devices.values():
            if device.role == ROLE_CPE and device.client is not None:
                speed = "1G" if device.device_id % 5 == 0 else "100M"
                slo = 99.95 if speed == "1G" else 99.9
                found.append(
                    CustomerService(
                        f"{device.hostname}-internet", device.client, f"Internet {speed}", device.hostname, slo
                    )
                )
        return found

    def truth(self) -> GroundTruth:
        """The topology as parent groups, outages per device (recorded and actual), gaps, maintenance, events."""
        topo, history = self.topology, self.history
        actual = {host: list(spans) for host, spans in history.actual.items() if host in topo.by_host}
        return GroundTruth(
            now=self._now,
            poll_seconds=POLL_SECONDS,
            parents={d.hostname: d.parents for d in topo.devices.values()},
            roles={d.hostname: d.role for d in topo.devices.values()},
            added_at={d.hostname: d.added_at for d in topo.devices.values()},
            outages={host: tuple(spans) for host, spans in self.live.recorded.items() if spans},
            actual_outages={host: tuple(spans) for host, spans in actual.items()},
            poller_gaps=tuple(history.gaps),
            maintenance=tuple(history.maintenance),
            upstream=tuple(upstream_events(topo, actual, self._now)),
            flapping=tuple(history.flapping),
            hidden_by_gap=tuple(history.hidden_by_gap),
            open_outages=tuple(sorted(host for host in self.live.recorded if self.is_down(host))),
            services=tuple(self.services()),
        )

    def graph_document(self) -> dict[str, Any]:
        """Topology (with roles), services and maintenance in the uptime graph import shape, times ISO UTC."""
        devices = self.topology.devices.values()
        return {
            "effective_from": from_epoch(min(d.added_at for d in devices)).date().isoformat(),
            "devices": {
                d.hostname: {"role": d.role, "parents": [{"need": g.need, "of": list(g.of)} for g in d.parents]}
                if d.parents
                else {"role": d.role}
                for d in devices
            },
            "services": [
                {"id": s.id, "client": s.client, "name": s.name, "device": s.device, "slo": s.slo}
                for s in self.services()
            ],
            "maintenance": [
                {"device": w.hostname, "start": from_epoch(w.start).isoformat(), "end": from_epoch(w.end).isoformat()}
                for w in self.history.maintenance
            ],
        }

    def state(self) -> dict[str, Any]:
        """A summary for ``GET /_sim/state``."""
        down = [host for host in self.live.recorded if self.is_down(host)]
        return {
            "now": self.now.isoformat(),
            "devices": len(self.topology.devices),
            "down": sorted(down),
            "unreachable": sorted(self.unreachable()),
            "poller_down": self.live.poller_down_since is not None,
            "events": len(self.live.events),
            "hours_of_history": (self._now - min(d.added_at for d in self.topology.devices.values())) // HOUR,
        }
