"""The figures document of one client's report for one period, computed from the store only.

``compute_report_figures`` returns a JSON-serialisable dict (the contract with the renderers: ISO-8601 times
with the client's offset, seconds as numbers, percentages 0..100 with one decimal, None for "no data"). It
reads only the client's own rows, a fixed handful of queries whatever the number of tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.config import Config
from deskpulse.metrics.sla_tickets import SlaTicket, load_sla_tickets
from deskpulse.reports import figures_details as details
from deskpulse.reports import figures_sla, figures_tickets
from deskpulse.reports.definitions import definitions
from deskpulse.reports.figures_load import ReportTicket, load_tickets, ticket_scope
from deskpulse.reports.figures_uptime import shared_view
from deskpulse.reports.figures_uptime import uptime as uptime_section
from deskpulse.reports.period import Period
from deskpulse.store.tables import ClientRow, SourceRow, TicketRow
from deskpulse.web.uptime_view import UptimeView

SCHEMA = 1
Iso = Callable[[datetime | None], str | None]


class ReportFiguresError(ValueError):
    """The figures cannot be computed (an unknown client); the message is a sentence."""


def client_zone(config: Config, client_key: str) -> ZoneInfo:
    """The client's time zone: its own (``[[clients]]`` or its SLA calendar's) or else the desk's."""
    for client in config.clients:
        own = getattr(client, "timezone", None)  # [[clients]] may carry a zone of its own
        if client.id == client_key and own:
            return ZoneInfo(str(own))
    for sla in config.sla.clients:
        if sla.client == client_key and sla.timezone:
            return ZoneInfo(sla.timezone)
    return config.tz


def _isoformat(zone: ZoneInfo) -> Iso:
    def iso(value: datetime | None) -> str | None:
        return value.astimezone(zone).isoformat() if value is not None else None

    return iso


def _client(session: Session, config: Config, client_key: str) -> tuple[int, str]:
    row = session.execute(select(ClientRow.id, ClientRow.name).where(ClientRow.key == client_key)).first()
    if row is None:
        known = ", ".join(sorted(c.id for c in config.clients)) or "none are configured"
        raise ReportFiguresError(f"Unknown client {client_key!r}; known clients: {known}.")
    configured = {c.id: c.name for c in config.clients}
    return int(row.id), configured.get(client_key, row.name)


def _sources(
    session: Session, config: Config, client_id: int, start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[list[int], list[Any]]:
    """Ids of the ticket sources, and the ones holding this client's tickets as the ``sources`` section."""
    iso = _isoformat(zone)
    names = [s.name for s in config.ticket_sources]
    rows = list(session.scalars(select(SourceRow).where(SourceRow.name.in_(names)).order_by(SourceRow.name)))
    holding = set(session.scalars(select(TicketRow.source_id).where(TicketRow.client_id == client_id).distinct()))
    unread = details.unread_details(session, client_id, start, end)
    listed = []
    for row in rows:
        if row.id not in holding:
            continue
        note = None
        if unread.get(row.id):
            note = (f"Replies, satisfaction answers and time entries could not be read for {unread[row.id]} "
                    "ticket(s); the figures made from them may be incomplete.")  # fmt: skip
        listed.append({"name": row.name, "kind": row.kind, "stale_since": iso(row.stale_since), "note": note})
    return [r.id for r in rows], listed


class _Inputs:
    """Everything read from the store for one report (current and previous period)."""

    def __init__(self, session: Session, config: Config, client_key: str, client_id: int, period: Period,
                 previous: Period, now: datetime, source_ids: list[int]) -> None:  # fmt: skip
        since, until = previous.utc_bounds[0], period.utc_bounds[1]
        self.tickets: list[ReportTicket] = load_tickets(session, client_id, source_ids, since, until)
        self.by_row = {t.row_id: t for t in self.tickets}
        self.sla: list[SlaTicket] = load_sla_tickets(
            session, source_ids, frozenset({client_id}), config.sla_policy, frozenset(config.sla.pausing),
            now=now, since=since,
        )  # fmt: skip
        self.calendar = config.sla_policy.resolve(client_key, None).calendar
        self.scope = ticket_scope(client_id, source_ids, since, until)
        self.csat = details.csat_rows(session, client_id, since, until)


def _summary(inputs: _Inputs, period: Period, now: datetime) -> dict[str, Any]:
    start, end = period.utc_bounds
    times = figures_sla.times(inputs.sla, start, end, inputs.calendar)
    sla = figures_sla.sla(inputs.sla, start, end, now, inputs.by_row, None, listed=False)
    return {
        "tickets": figures_tickets.counts(inputs.tickets, start, end),
        "times": times,
        "sla": sla,
        "csat": details.csat(inputs.csat, start, end),
    }


def _previous(inputs: _Inputs, previous: Period, now: datetime) -> dict[str, Any] | None:
    found = _summary(inputs, previous, now)
    times, sla, csat = found["times"], found["sla"], found["csat"]
    out = {
        "period": previous.as_dict(),
        "tickets": found["tickets"],
        "sla": {"response_met_pct": sla["response"]["met_pct"], "resolution_met_pct": sla["resolution"]["met_pct"]},
        "times": {
            "first_response_median_s": times["first_response"]["median_s"] if times["first_response"] else None,
            "resolution_median_s": times["resolution"]["median_s"] if times["resolution"] else None,
        },
        "csat_pct": csat["pct"] if csat else None,
    }
    measured = [*out["sla"].values(), *out["times"].values(), out["csat_pct"]]
    has_data = any(found["tickets"].values()) or any(v is not None for v in measured)
    return out if has_data else None


def compute_report_figures(
    session: Session, config: Config, client_key: str, period: Period, *, now: datetime,
    uptime: UptimeView | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The figures document of ``client_key`` over ``period`` as of ``now`` (see the module docstring).

    ``period`` is taken in the client's time zone. ``uptime``: the app's uptime view (default: one shared per
    configuration), so the services' availability of a month is computed once for all clients. Raises
    ``ReportFiguresError`` for an unknown client."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = client_zone(config, client_key)
    if period.tz != zone:
        period = Period(period.kind, period.first_day, period.last_day, zone)
    iso = _isoformat(zone)
    client_id, client_name = _client(session, config, client_key)
    previous = period.previous()
    start, end = period.utc_bounds
    source_ids, sources = _sources(session, config, client_id, start, end, zone)
    inputs = _Inputs(session, config, client_key, client_id, period, previous, now, source_ids)
    opened = figures_tickets.opened_in(inputs.tickets, start, end)
    resolved = figures_tickets.resolved_in(inputs.tickets, start, end)
    counts = figures_tickets.counts(inputs.tickets, start, end)
    view = uptime if uptime is not None else shared_view(config)
    return {
        "schema": SCHEMA,
        "client": {"key": client_key, "name": client_name, "timezone": zone.key},
        "period": period.as_dict(),
        "generated_at": iso(now),
        "sources": sources,
        "tickets": counts,
        "by_type": figures_tickets.breakdown(opened, lambda t: t.ticket_type),
        "by_priority": figures_tickets.breakdown(opened, lambda t: t.priority),
        "by_category": figures_tickets.breakdown(opened, lambda t: t.category),
        "times": figures_sla.times(inputs.sla, start, end, inputs.calendar),
        "sla": figures_sla.sla(inputs.sla, start, end, now, inputs.by_row, iso),
        "first_contact_resolution": details.first_contact_resolution(
            session, inputs.scope, {t.row_id for t in resolved}
        ),
        "reopened": figures_tickets.reopened(inputs.tickets, start, end, counts["resolved"]),
        "csat": details.csat(inputs.csat, start, end),
        "hours": details.hours(session, client_id, start, end),
        "top_requesters": figures_tickets.top_requesters(opened),
        "uptime": uptime_section(session, view, client_key, start, end, now, iso),
        "daily": figures_tickets.daily(inputs.tickets, period.days, zone),
        "previous": _previous(inputs, previous, now),
        "ticket_list": figures_tickets.ticket_list(inputs.tickets, start, end, iso),
        "definitions": definitions(),
    }
