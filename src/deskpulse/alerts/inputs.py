"""Reading what an evaluation needs from the store: SLA-evaluated tickets, the facts rules need beyond them,
source health and team names."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.alerts.evaluate import HOUR, AlertInputs, SourceHealth, TicketFacts
from deskpulse.alerts.rules import (
    SERVICE_CONDITIONS,
    TICKET_CONDITIONS,
    NewTicketsPerHourAbove,
    QueueBacklogAbove,
    Rule,
)
from deskpulse.alerts.service_conditions import ServiceState
from deskpulse.alerts.uptime_inputs import service_states
from deskpulse.config import Config
from deskpulse.metrics.sla_tickets import load_sla_tickets
from deskpulse.store.tables import SourceRow, TeamRow, TicketChangeRow, TicketRow
from deskpulse.web.uptime_view import UptimeView

log = logging.getLogger(__name__)
_TICKET_RULES = (*TICKET_CONDITIONS, QueueBacklogAbove, NewTicketsPerHourAbove)


def source_health(session: Session, names: Sequence[str]) -> list[SourceHealth]:
    """Health of the configured sources that have a row (a source registers on its first cycle)."""
    rows = session.scalars(select(SourceRow).where(SourceRow.name.in_(names)).order_by(SourceRow.name))
    return [SourceHealth(r.id, r.name, r.kind, r.last_ok_at, r.stale_since, r.last_error) for r in rows]


def _latest(*values: datetime | None) -> datetime | None:
    found = [v for v in values if v is not None]
    return max(found) if found else None


def ticket_facts(session: Session, source_ids: Sequence[int]) -> dict[int, TicketFacts]:
    """Facts of every open ticket of ``source_ids``, by row id."""
    where = (TicketRow.source_id.in_(source_ids), TicketRow.is_active.is_(True), TicketRow.deleted_at.is_(None))
    # When each unassigned ticket lost its agent (no such change: it never had one, so since its creation).
    unassigned = dict(
        session.execute(
            select(TicketChangeRow.ticket_id, func.max(TicketChangeRow.at))
            .join(TicketRow, TicketRow.id == TicketChangeRow.ticket_id)
            .where(*where, TicketRow.agent_external_id.is_(None), TicketChangeRow.field == "agent_external_id",
                   TicketChangeRow.new.is_(None))
            .group_by(TicketChangeRow.ticket_id)
        ).all()
    )  # fmt: skip
    rows = session.execute(
        select(TicketRow.id, TicketRow.client_id, TicketRow.created_at, TicketRow.updated_at,
               TicketRow.last_activity_at, TicketRow.first_responded_at, TicketRow.agent_responded_at,
               TicketRow.requester_responded_at, TicketRow.agent_external_id).where(*where)
    ).all()  # fmt: skip
    facts = {}
    for row_id, client_id, created, updated, activity, first, agent, requester, agent_id in rows:
        answered = _latest(first, agent)
        # An update is owed once the agent has answered at least once and the requester wrote after that.
        awaiting = requester if requester is not None and answered is not None and requester > answered else None
        facts[row_id] = TicketFacts(
            client_id=client_id,
            last_activity_at=_latest(created, updated, activity, agent, requester),
            awaiting_reply_since=awaiting,
            unassigned_since=None if agent_id is not None else unassigned.get(row_id, created),
        )
    return facts


def load_inputs(
    session: Session, config: Config, rules: Sequence[Rule], now: datetime, uptime: UptimeView | None = None
) -> AlertInputs:
    """Everything ``rules`` look at, as of ``now``; tickets are read only when some rule looks at tickets, and
    uptime figures (through ``uptime``, a new view if None) only when some rule has an uptime condition."""
    sources = source_health(session, [s.name for s in config.sources])
    ids = [s.id for s in sources]
    services: list[ServiceState] | None = []
    if any(r.enabled and isinstance(r.condition, SERVICE_CONDITIONS) for r in rules):
        try:
            services = service_states(session, uptime or UptimeView(config), config, now)
        except Exception:
            # A graph the engine cannot compute must not stop ticket rules, nor resolve service alerts that
            # still hold: uptime rules are held until it can be computed again.
            log.exception("the uptime figures for alert rules could not be computed; uptime rules are held")
            services = None
    if not any(r.enabled and isinstance(r.condition, _TICKET_RULES) for r in rules):
        return AlertInputs(now, [], {}, sources, config.sla_policy, tz=config.tz, services=services)
    # Tickets created in the last hour are read even when already closed (new tickets per hour).
    tickets = load_sla_tickets(
        session, ids, None, config.sla_policy, frozenset(config.sla.pausing), now=now, since=now - HOUR
    )
    teams = {
        (source_id, ext): name
        for source_id, ext, name in session.execute(
            select(TeamRow.source_id, TeamRow.external_id, TeamRow.name).where(TeamRow.source_id.in_(ids))
        ).all()
    }
    return AlertInputs(now, tickets, ticket_facts(session, ids), sources, config.sla_policy, teams, config.tz, services)
