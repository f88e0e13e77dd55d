"""The LibreNMS event log and alerts table of the simulator, seeded from the recorded outages."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskpulse.simulators.librenms_scenario import LibreNmsScenario

# rule id -> (name, severity); the alert rules every install starts with look like these [I].
RULES: dict[int, tuple[str, str]] = {
    1: ("Devices up/down", "critical"),
    2: ("Port status up/down", "warning"),
    3: ("Ping Latency", "warning"),
}
FIRST_EVENT_ID = 1_000_001


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event log row; severity uses LibreNMS's enum (1 Ok … 5 Error) [S]."""

    event_id: int
    device_id: int
    at: int
    message: str
    type: str
    severity: int
    reference: int | None = None


@dataclass(slots=True)
class AlertRecord:
    """One row of the alerts table (one per device and rule); state 0 ok, 1 alert, 2 acknowledged [D]."""

    id: int
    device_id: int
    rule_id: int
    state: int
    timestamp: int
    note: str | None = None


def seed_events(scenario: LibreNmsScenario, rng: random.Random) -> list[EventRecord]:
    """Down/Up events for every recorded outage plus interface flaps, ids ascending with time."""
    topo, gaps = scenario.topology, scenario.history.gaps
    raw: list[tuple[int, int, str, str, int, int | None]] = []
    for host, spans in scenario.live.recorded.items():
        device_id = topo.by_host[host].device_id
        for span in spans:
            raw.append(
                (span.start, device_id, "Device status changed to Down from icmp check.", "availability", 5, None)
            )
            if span.end is not None:
                raw.append(
                    (span.end, device_id, "Device status changed to Up from icmp check.", "availability", 1, None)
                )
    switch_ports = [p for p in topo.ports.values() if not p.deleted and topo.devices[p.device_id].role != "cpe"]
    earliest = min((s.start for spans in scenario.live.recorded.values() for s in spans), default=scenario.now_epoch)
    for day_start in range(earliest, scenario.now_epoch - 3_600, 43_200):
        port = rng.choice(switch_ports)
        down = day_start + rng.randrange(0, 40_000)
        up = down + rng.randrange(30, 1_800)
        if any(g.start <= down < g.end or g.start <= up < g.end for g in gaps):
            continue
        raw.append((down, port.device_id, "ifOperStatus: up -> down", "interface", 4, port.port_id))
        raw.append((up, port.device_id, "ifOperStatus: down -> up", "interface", 1, port.port_id))
    raw.sort(key=lambda row: (row[0], row[1]))
    return [
        EventRecord(FIRST_EVENT_ID + i, device_id, at, message, kind, severity, reference)
        for i, (at, device_id, message, kind, severity, reference) in enumerate(raw)
    ]


def seed_alerts(scenario: LibreNmsScenario, rng: random.Random) -> dict[int, AlertRecord]:
    """A device-down alert per device with outages (open while down), plus latency and port alerts."""
    alerts: dict[int, AlertRecord] = {}
    topo = scenario.topology
    for host, spans in sorted(scenario.live.recorded.items()):
        if not spans:
            continue
        last = spans[-1]
        alert_id = len(alerts) + 1
        state = 1 if last.end is None else 0
        alerts[alert_id] = AlertRecord(alert_id, topo.by_host[host].device_id, 1, state, last.end or last.start)
    cpes = [d for d in topo.devices.values() if d.role == "cpe" and not d.disabled]
    for index, device in enumerate(rng.sample(cpes, min(6, len(cpes)))):
        alert_id = len(alerts) + 1
        note = "Customer informed, line is saturated" if index % 2 else None
        when = scenario.now_epoch - rng.randrange(600, 3 * 86_400)
        alerts[alert_id] = AlertRecord(alert_id, device.device_id, 3, 2 if index % 2 else 1, when, note)
    return alerts
