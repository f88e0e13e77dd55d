"""The simulated helpdesks of `deskpulse demo`: per vendor a seeded scenario, its simulator, the source settings
pointing at it, and the scenario's tickets mapped the way that vendor's connector maps them."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from starlette.applications import Starlette

from deskpulse.config import AnySource, SourceConfig
from deskpulse.connectors.autotask import mapping as at_mapping
from deskpulse.connectors.autotask.models import AtTicket
from deskpulse.connectors.autotask.picklists import build_picklists
from deskpulse.connectors.autotask.settings import AutotaskSettings
from deskpulse.connectors.freshservice import mapping as fs_mapping
from deskpulse.connectors.freshservice.models import FsTicket
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.librenms.settings import LibreNmsSettings
from deskpulse.connectors.trengo import mapping as trengo_mapping
from deskpulse.connectors.trengo.models import TrengoTicket
from deskpulse.domain.tickets import StatusCategory, Ticket
from deskpulse.simulators import autotask as at_sim
from deskpulse.simulators import freshservice as fs_sim
from deskpulse.simulators import librenms as librenms_sim
from deskpulse.simulators import trengo as trengo_sim
from deskpulse.simulators.autotask_lifecycle import TRIAGE
from deskpulse.simulators.autotask_schema import COMPANIES, TICKETS, field_info
from deskpulse.simulators.freshservice_scenario import FreshserviceScenario
from deskpulse.simulators.trengo_scenario import TrengoScenario

DEMO_TOKEN = "demo-token"  # noqa: S105  (the simulator's own, public token)
DEMO_SOURCE = "trengo-demo"
DEMO_FS_SOURCE = "freshservice-demo"
DEMO_FS_KEY = "sim-fs-key"  # the Freshservice simulator's own, public key
DEMO_AT_SOURCE = "autotask-demo"
DEMO_NMS_SOURCE = "librenms-demo"
DEMO_RATE_LIMIT = 1200

TicketTime = Callable[[Ticket], datetime | None]


def assigned_at(ticket: Ticket) -> datetime | None:
    """When the ticket was assigned (None: never, or the vendor does not say)."""
    return ticket.assigned_at


class Evolving(Protocol):
    """A simulator scenario that moves its desk forward in time."""

    def advance(self, until: datetime) -> None:
        """Evolve up to ``until`` (aware)."""


@dataclass(frozen=True, slots=True)
class DemoSource:
    """One simulated helpdesk: its app on ``127.0.0.1:port``, the source that syncs it, and its history inputs.

    ``new_until`` is when a ticket stopped counting as new (unassigned) in the history and started counting as
    assigned, the split the live snapshot makes by whether an agent has the ticket.
    """

    label: str
    port: int
    settings: AnySource
    app: Starlette
    scenario: Evolving
    tickets: Callable[[], list[Ticket]]
    summary: str
    new_until: TicketTime = assigned_at


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def trengo_tickets(scenario: TrengoScenario) -> list[Ticket]:
    """The Trengo simulator's tickets as the connector would map them."""
    zone = ZoneInfo(scenario.naive_timezone)
    return [
        trengo_mapping.map_ticket(TrengoTicket.model_validate(raw), naive_zone=zone)
        for raw in scenario.tickets.values()
    ]


def freshservice_tickets(scenario: FreshserviceScenario) -> list[Ticket]:
    """The Freshservice simulator's tickets (with their stats) as the connector would map them."""
    ctx = fs_mapping.MappingContext()
    return [
        fs_mapping.map_ticket(FsTicket.model_validate({**raw, "stats": scenario.stats[raw["id"]]}), ctx)
        for raw in scenario.tickets.values()
    ]


def autotask_tickets(scenario: at_sim.AutotaskScenario, settings: AutotaskSettings) -> list[Ticket]:
    """The Autotask simulator's tickets as the connector maps them: rendered as the API sends them, classified by
    picklists built from the simulator's ``Tickets/entityInformation/fields`` and the source's status map."""
    picklists = build_picklists(field_info(TICKETS, scenario.picklists), settings.status_map, settings.priority_map)
    companies = {c["id"]: c["companyName"] for c in scenario.store[COMPANIES.name].values()}
    ctx = at_mapping.MappingContext(
        picklists=picklists, companies=companies, naive_zone=ZoneInfo(settings.naive_timezone)
    )
    return [
        at_mapping.map_ticket(AtTicket.model_validate(TICKETS.render(raw)), ctx) for raw in scenario.tickets.values()
    ]


def trengo_source(port: int, now: datetime, event_rate: float = 1.0) -> DemoSource:
    """A busy Trengo desk, so the board visibly moves while you watch."""
    scenario = TrengoScenario(
        seed=7, open_tickets=320, teams=6, agents=15, history_days=120, closed_per_day=150, now=now,
        event_rate=event_rate,
    )  # fmt: skip
    settings = SourceConfig(
        name=DEMO_SOURCE,
        kind="trengo",
        base_url=f"http://127.0.0.1:{port}/api/v2",
        token=DEMO_TOKEN,
        poll_seconds=15,
        closed_sweep_seconds=60,
        closed_backfill_days=30,
        # The simulator publishes a higher limit than Trengo's 120/minute so the demo fills in seconds.
        requests_per_minute=DEMO_RATE_LIMIT,
        directory_refresh_seconds=600,
    )
    app = trengo_sim.create_app(scenario, token=DEMO_TOKEN, rate_limit_per_minute=DEMO_RATE_LIMIT)
    summary = f"{len(scenario.open_tickets())} open tickets"
    return DemoSource("Trengo", port, settings, app, scenario, lambda: trengo_tickets(scenario), summary)


def freshservice_source(port: int, now: datetime, event_rate: float = 1.0) -> DemoSource:
    """A Freshservice desk with custom statuses and two months of resolved tickets."""
    scenario = FreshserviceScenario(
        seed=7, active_tickets=180, history_days=60, resolved_per_day=60, now=now, event_rate=event_rate
    )
    settings = FreshserviceSettings(
        name=DEMO_FS_SOURCE,
        base_url=f"http://127.0.0.1:{port}/api/v2",
        api_key=DEMO_FS_KEY,
        plan="enterprise",  # the demo fills in seconds; a real Starter account gets 100/min
        poll_seconds=15,
        closed_sweep_seconds=60,
        closed_backfill_days=30,
        reconcile_seconds=300,
    )
    app = fs_sim.create_app(scenario, api_key=DEMO_FS_KEY, plan="enterprise")
    summary = f"{len(scenario.active_tickets())} active"
    return DemoSource("Freshservice", port, settings, app, scenario, lambda: freshservice_tickets(scenario), summary)


def autotask_source(port: int, now: datetime, event_rate: float = 1.0) -> DemoSource:
    """An MSP's Autotask tenant: one company per demo domain (Acme, Globex, ...), SLA due dates on most tickets."""
    scenario = at_sim.AutotaskScenario(
        seed=7, companies=10, resources=12, queues=5, active_tickets=260, history_days=120, completed_per_day=45,
        now=now, event_rate=event_rate,
    )  # fmt: skip
    settings = AutotaskSettings(
        name=DEMO_AT_SOURCE,
        username=at_sim.SIM_USERNAME,
        secret=at_sim.SIM_SECRET,
        integration_code=at_sim.SIM_INTEGRATION_CODE,
        # Zone discovery as against the real service; the simulator's answer points back at itself.
        zone_lookup_url=f"http://127.0.0.1:{port}/atservicesrest/v1.0/zoneInformation",
        poll_seconds=15,
        closed_sweep_seconds=60,
        closed_backfill_days=30,
        reconcile_seconds=300,
        directory_refresh_seconds=600,
        # The simulated tenant's custom "Triage Board" status has no telling name; an admin would map it so.
        status_map={TRIAGE: StatusCategory.NEW},
    )
    app = at_sim.create_app(scenario)
    summary = f"{len(scenario.active_tickets())} active tickets"
    return DemoSource(
        "Autotask", port, settings, app, scenario, lambda: autotask_tickets(scenario, settings), summary,
        # Autotask reports no assignment time: a ticket with a resource counts as assigned from its first answer
        # (or from its creation when it was never answered).
        new_until=lambda t: t.first_responded_at or (t.created_at if t.agent_external_id else None),
    )  # fmt: skip


def demo_sources(now: datetime, event_rate: float = 1.0) -> list[DemoSource]:
    """The demo's three simulated helpdesks, each on its own free loopback port (Trengo first); ``event_rate``
    multiplies how often their desks change (1: as the scenarios are tuned)."""
    return [
        trengo_source(free_port(), now, event_rate),
        freshservice_source(free_port(), now, event_rate),
        autotask_source(free_port(), now, event_rate),
    ]


@dataclass(frozen=True, slots=True)
class DemoNetwork:
    """The simulated LibreNMS of the demo: its app on ``127.0.0.1:port``, the source polling it, and its network
    (``scenario.graph_document()`` is the dependency graph imported at start)."""

    port: int
    settings: LibreNmsSettings
    app: Starlette
    scenario: librenms_sim.LibreNmsScenario


def librenms_source(port: int, now: datetime) -> DemoNetwork:
    """A small provider network (120 customer CPEs) with two months of outages, for /uptime."""
    zone = "Europe/Amsterdam"
    scenario = librenms_sim.LibreNmsScenario(
        7, cpes=120, access=16, distribution=4, history_days=60, now=now, server_timezone=zone
    )
    settings = LibreNmsSettings(
        name=DEMO_NMS_SOURCE, base_url=f"http://127.0.0.1:{port}/api/v0", token=DEMO_TOKEN, server_timezone=zone,
        requests_per_minute=6000, max_concurrency=8, poll_seconds=30,
    )  # fmt: skip
    return DemoNetwork(port, settings, librenms_sim.create_app(scenario, token=DEMO_TOKEN), scenario)
