"""A hand-built October 2026 in the store for the uptime API and pages: a small network, two clients, outages.

Network (all devices monitored since 2026-01-01)::

    cpe-acme-01 -> acc-sw-03 -> dist-sw-01 -> core-01        (Acme: acme-internet, SLO 99.5)
    cpe-globex-01 -> acc-sw-04 -> dist-sw-02 -> core-01      (Globex: globex-internet, SLO 99.9)

What happened in October (UTC): dist-sw-01 down 07th 10:00-10:40 and 22nd 10:00-10:30 (the Acme CPE stayed up);
cpe-acme-01 itself down 20th 08:00-08:10; core-01 down 12th 00:10-00:40 inside its maintenance window
(00:00-01:00); LibreNMS's poller silent 25th 12:00-13:00. October in Amsterdam is 31 days and 1 hour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deskpulse.config import AuthConfig, ClientConfig, Config
from deskpulse.connectors.librenms import LibreNmsSettings
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.uptime_tables import NmsDeviceRow, NmsOutageRow, NmsUnknownRow

SOURCE = "nms"
CLIENTS = [
    ClientConfig(id="acme", name="Acme", email_domains=["acme.test"]),
    ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
]
OCTOBER_S = 31 * 86400 + 3600
AFTER_OCTOBER = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
H, M = 3600, 60

GRAPH_YAML = """\
effective_from: 2026-01-01
devices:
  cpe-acme-01: {parents: [{need: 1, of: [acc-sw-03]}]}
  acc-sw-03:   {role: access, parents: [{need: 1, of: [dist-sw-01]}]}
  cpe-globex-01: {parents: [{need: 1, of: [acc-sw-04]}]}
  acc-sw-04:   {role: access, parents: [{need: 1, of: [dist-sw-02]}]}
  dist-sw-01:  {role: distribution, parents: [{need: 1, of: [core-01]}]}
  dist-sw-02:  {role: distribution, parents: [{need: 1, of: [core-01]}]}
  core-01:     {role: core}
services:
  - {id: acme-internet, client: ACME, name: Internet 100M, device: cpe-acme-01, slo: 99.5}
  - {id: globex-internet, client: globex, name: Internet 1G, device: cpe-globex-01, slo: 99.9}
maintenance:
  - {device: core-01, start: 2026-10-12T02:00:00+02:00, end: 2026-10-12T03:00:00+02:00}
"""

# From the 15th, acc-sw-03 hangs under dist-sw-02: the outage of dist-sw-01 on the 22nd no longer hits Acme.
REWIRE_YAML = GRAPH_YAML.replace("effective_from: 2026-01-01", "effective_from: 2026-10-15").replace(
    "acc-sw-03:   {role: access, parents: [{need: 1, of: [dist-sw-01]}]}",
    "acc-sw-03:   {role: access, parents: [{need: 1, of: [dist-sw-02]}]}",
)

DEVICES = ("cpe-acme-01", "acc-sw-03", "cpe-globex-01", "acc-sw-04", "dist-sw-01", "dist-sw-02", "core-01")


def at(day: int, hour: int = 0, minute: int = 0, month: int = 10) -> datetime:
    """An instant in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


OUTAGES: dict[str, list[tuple[datetime, datetime | None]]] = {
    "dist-sw-01": [(at(7, 10), at(7, 10, 40)), (at(22, 10), at(22, 10, 30))],
    "cpe-acme-01": [(at(20, 8), at(20, 8, 10))],
    "core-01": [(at(12, 0, 10), at(12, 0, 40))],
}
SILENT = (at(25, 12), at(25, 13))


def settings(name: str = SOURCE) -> LibreNmsSettings:
    """A LibreNMS source (never polled in these tests: the store is filled by hand)."""
    return LibreNmsSettings(name=name, base_url="http://nms.test/api/v0", token="t", server_timezone="UTC")


def config(*sources: Any) -> Config:
    """Amsterdam time, the LibreNMS source (and any others), clients Acme and Globex, no request limit."""
    return Config(
        database_url="sqlite://", sources=list(sources) or [settings()], clients=CLIENTS,
        auth=AuthConfig(api_requests_per_minute=100_000),
    )  # fmt: skip


def seed_month(db: Database, name: str = SOURCE) -> int:
    """Write the devices, outages and the poller-silent hour of the hand-built October; returns the source id."""
    since = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as session:
        source_id = ensure_source(session, settings(name)).id
        for host in DEVICES:
            session.add(
                NmsDeviceRow(
                    source_id=source_id, hostname=host, status="up", stale=False, disabled=False, ignored=False,
                    added_at=since, first_seen_at=since, last_seen_at=AFTER_OCTOBER,
                )
            )  # fmt: skip
        for host, spans in OUTAGES.items():
            for start, end in spans:
                session.add(NmsOutageRow(source_id=source_id, hostname=host, start=start, end=end))
        session.add(NmsUnknownRow(source_id=source_id, start=SILENT[0], end=SILENT[1], reason="silent"))
    return source_id
