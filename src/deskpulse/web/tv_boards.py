"""One builder per TV board, each reading the computation its own page or API uses, and ``build_slide``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from deskpulse.alerts.history import list_alerts
from deskpulse.auth.principal import Principal
from deskpulse.config import Config
from deskpulse.domain.ticket_board import UPDATE_OVERDUE, WAITING_ON_AGENT
from deskpulse.metrics import figures
from deskpulse.metrics.sla_tickets import SlaTicket
from deskpulse.tv_config import INTERNAL_BOARDS, TvPlaylist
from deskpulse.uptime import Figures
from deskpulse.web.alert_words import alert_word
from deskpulse.web.api.board import cached_board
from deskpulse.web.api.dashboard import dashboard
from deskpulse.web.api.desk_metrics import Evaluated, evaluated
from deskpulse.web.api.uptime import monitoring_health
from deskpulse.web.i18n import PRIORITY_NAMES, ROLE_NAMES, format_duration_in, translator_for
from deskpulse.web.tv_levels import SourceState, freshness, level_text
from deskpulse.web.tv_privacy import Redactor
from deskpulse.web.tv_slides import (
    SlideContext,
    row,
    sees_internal,
    summary_closed_today,
    table,
    ticket_sources,
    time_left,
)
from deskpulse.web.uptime_json import totals
from deskpulse.web.uptime_period import month_of
from deskpulse.web.uptime_view import uptime_view

SLA_LEVEL = {"overdue": "bad", "critical": "bad", "warning": "warn", "normal": "ok"}


def summary(context: SlideContext) -> dict[str, Any]:
    """Open, unassigned, assigned, new and closed today; open tickets by age (the live dashboard's figures)."""
    out = dashboard(context.request, context.session, context.config, context.sources)
    s = out.summary
    closed = summary_closed_today(context)
    widgets = [context.number("open", s.total), context.number("unassigned", s.new),
               context.number("assigned", s.assigned), context.number("new_today", s.new_today),
               context.number("closed_today", closed)]  # fmt: skip
    ages = [row([b.label, b.sublabel, b.count]) for b in out.age_buckets]
    _ = context._
    return {"widgets": widgets, "tables": [table(_("Open tickets by age"), [_("Age"), "", _("Tickets")], ages)]}


def _tickets(context: SlideContext) -> tuple[Evaluated, list[SlaTicket]]:
    view = evaluated(context.request, context.session, context.config, context.sources, 30)
    kept = [
        t for t in view.tickets
        if context.team_matches(t.team_external_id,
                                view.team_name(t.source_id, t.team_external_id) if t.team_external_id else None)
    ]  # fmt: skip
    return view, kept


def sla_at_risk(context: SlideContext) -> dict[str, Any]:
    """Tickets whose running SLA target is at risk or breached, soonest breach first (the SLA page's list)."""
    view, tickets = _tickets(context)
    found = figures.violations(tickets, view.source_names)
    widgets = [context.number("at_risk", found["atRiskTotal"]), context.number("breached", found["breachedTotal"])]
    mask = context.redact
    client_names = {c.id: c.name for c in context.config.clients}
    _ = context._

    def line(item: dict[str, Any], lvl: str) -> dict[str, Any]:
        lefts = [m for m in (item["responseTimeRemaining"], item["resolutionTimeRemaining"]) if m is not None]
        priority = item["priority"] or ""
        shown = _(PRIORITY_NAMES[priority.lower()]) if priority.lower() in PRIORITY_NAMES else priority
        cells = [f"#{item['id']}", shown, time_left(min(lefts) if lefts else None, context.language)]
        if not mask.active:
            cells += [client_names.get(item["client"], item["client"] or ""), item["title"] or ""]
        return row(cells, lvl)

    columns = [_("Ticket"), _("Priority"), _("Time")] + ([] if mask.active else [_("Client"), _("Subject")])
    rows = [line(i, "warn") for i in found["atRisk"]] + [line(i, "bad") for i in found["breached"]]
    total = found["atRiskTotal"] + found["breachedTotal"]
    return {"widgets": widgets, "tables": [table(_("At risk, then breached"), columns, rows, total)]}


def workload(context: SlideContext) -> dict[str, Any]:
    """Open tickets per technician and per queue, with at-risk and breached counts (the workload page's)."""
    view, tickets = _tickets(context)
    found = figures.violations(tickets, view.source_names)
    queues = figures.queues(tickets, context.now, view.team_name, view.source_names)
    people = figures.resources(tickets, view.agent_name, view.source_names, {})
    oldest = max((q["oldestTicketAge"] for q in queues), default=0.0)
    widgets = [context.number("open", sum(1 for t in tickets if t.is_active)),
               context.number("at_risk", found["atRiskTotal"]), context.number("breached", found["breachedTotal"]),
               context.number("oldest_hours", oldest)]  # fmt: skip
    technicians = [
        row([p["name"], p["openTickets"], p["atRisk"], p["breached"]],
            "bad" if p["breached"] else "warn" if p["atRisk"] else "none")
        for p in people
    ]  # fmt: skip
    _ = context._
    queue_rows = [row([q["queueName"], q["ticketCount"], _("%(hours)s h", hours=context.figure(q["oldestTicketAge"]))])
                  for q in queues]  # fmt: skip
    return {"widgets": widgets, "tables": [
        table(_("Technicians"), [_("Technician"), _("Open"), _("At risk"), _("Breached")], technicians),
        table(_("Queues"), [_("Queue"), _("Open"), _("Oldest")], queue_rows),
    ]}  # fmt: skip


def alerts(context: SlideContext) -> dict[str, Any]:
    """Open alerts within scope, firing first (the alerts panel's lists)."""
    scope = context.sources.client_ids
    firing = list_alerts(context.session, client_ids=scope, states=["firing"], limit=8)
    acknowledged = list_alerts(context.session, client_ids=scope, states=["acknowledged"], limit=8)
    mask = context.redact

    def line(alert: Any, lvl: str) -> dict[str, Any]:
        # Under the mask the rule's name stands in for the title, which may quote a requester or client.
        what = mask.text(alert.rule_name) if mask.active else alert.title
        age = format_duration_in(int((context.now - alert.fired_at).total_seconds()), context.language)
        severity, state = (alert_word(group, value, context.language)
                           for group, value in (("severity", alert.severity), ("state", alert.state)))  # fmt: skip
        return row([severity, what, state, age], lvl)

    rows = [line(a, "bad") for a in firing.alerts] + [line(a, "warn") for a in acknowledged.alerts]
    widgets = [context.number("firing", firing.total), context.number("acknowledged", acknowledged.total)]
    total = firing.total + acknowledged.total
    _ = context._
    columns = [_("Severity"), _("Alert"), _("State"), _("Age")]
    return {"widgets": widgets, "tables": [table(_("Open alerts"), columns, rows, total)]}


def board(context: SlideContext) -> dict[str, Any]:
    """The agents' work board: section counts and the tickets needing an agent first."""
    out, _json, _gzip = cached_board(
        context.request, context.session, context.config, context.sources, context.principal,
        agent=None, group=None, view=context.slide.view, mine=False,
    )  # fmt: skip
    sections = [(s.key, [i for i in s.items if context.team_matches(i.group_id, i.group)]) for s in out.sections]
    counts = {key: len(items) for key, items in sections}
    widgets = [context.number("active", sum(counts.values())),
               context.number("waiting_on_agent", counts.get(WAITING_ON_AGENT, 0)),
               context.number("update_overdue", counts.get(UPDATE_OVERDUE, 0))]  # fmt: skip
    mask = context.redact
    _ = context._
    columns = [_("Ticket"), _("Agent"), _("SLA")] + ([] if mask.active else [_("Requester"), _("Subject")])
    rows = []
    for _key, items in sections:
        for i in items:
            if i.sla.remaining_seconds is not None:
                sla = time_left(i.sla.remaining_seconds / 60, context.language)
            else:
                sla = _("responded") if i.sla.state == "responded" else _("no due date")
            cells = [f"#{i.id}", i.agent or _("unassigned"), sla]
            if not mask.active:
                cells += [i.requester or "", i.subject or ""]
            rows.append(row(cells, SLA_LEVEL.get(i.sla.state, "none")))
    return {"widgets": widgets, "tables": [table(_("Tickets"), columns, rows)]}


def uptime(context: SlideContext) -> dict[str, Any]:
    """This month's availability of the services in scope (the uptime page's report)."""
    period = month_of(context.now.astimezone(context.config.tz).date(), context.config.tz)
    report = uptime_view(context.request.app.state).report(context.session, period.interval, context.now)
    results = report.visible(context.sources.client_ids, context.slide.client)
    total = totals(results)
    sli = sum((r.figures for r in results), Figures()).sli
    percent = None if sli is None else round(sli * 100, 3)
    widgets = [context.number("uptime", percent, context.figure(percent, " %")),
               context.number("incidents", total["incidents"]),
               context.number("over_budget", total["over_budget"])]  # fmt: skip
    mask = context.redact
    rows = []
    for r in sorted(results, key=lambda r: (r.figures.sli if r.figures.sli is not None else 2, r.service.name)):
        value = r.figures.sli
        shown = "–" if value is None else context.figure(float(f"{value * 100:.3f}"), " %")
        lvl = "none" if value is None else "bad" if r.budget_left_s < 0 else "warn" if r.incidents else "ok"
        cells = [mask.text(r.service.name), shown, len(r.incidents)]
        if not mask.active:
            cells.append(report.clients.names.get(r.service.client, r.service.client))
        rows.append(row(cells, lvl))
    _ = context._
    columns = [_("Service"), _("Uptime"), _("Incidents")] + ([] if mask.active else [_("Client")])
    health = [SourceState(s["name"], s["last_ok_at"], s["stale_since"], s["error"])
              for s in monitoring_health(context.session)]  # fmt: skip
    notice = None if results else _("No services to show for this screen.")
    services = table(_("Services, %(period)s", period=period.label), columns, rows)
    return {"widgets": widgets, "tables": [services], "sources": health, "notice": notice}


BUILDERS: dict[str, Callable[[SlideContext], dict[str, Any]]] = {
    "summary": summary, "sla-at-risk": sla_at_risk, "uptime": uptime, "workload": workload, "alerts": alerts,
    "board": board,
}  # fmt: skip


def build_slide(
    request: Request, session: Session, principal: Principal, playlist: TvPlaylist, index: int, now: datetime,
    language: str = "en",
) -> dict[str, Any]:  # fmt: skip
    """The JSON of slide ``index`` (0-based) of ``playlist`` for this caller, its words in ``language`` (403 for
    a board it may not see)."""
    config: Config = request.app.state.config
    slide = playlist.slides[index]
    _ = translator_for(language)
    if slide.board in INTERNAL_BOARDS and not sees_internal(principal):
        who = _(ROLE_NAMES.get(principal.role.value, principal.role.value))
        raise HTTPException(403, _("Your role (%(role)s) may not see the %(board)s board.", role=who,
                                   board=repr(slide.board)))  # fmt: skip
    context = SlideContext(
        request, session, config, principal, playlist, slide, now,
        Redactor([c.name for c in config.clients], active=playlist.privacy_mask),
        ticket_sources(session, config, principal, slide), language,
    )  # fmt: skip
    body = BUILDERS[slide.board](context)
    states = body.pop("sources", None)
    if states is None:
        states = [SourceState(r.name, r.last_ok_at, r.stale_since, r.last_error if r.stale_since else None)
                  for r in context.sources.rows]  # fmt: skip
    notice = body.get("notice")
    if notice is None and context.sources.client_ids == frozenset():
        notice = _("This slide's client is outside this screen's scope: nothing to show.")
    widgets, tables = body.get("widgets", []), body.get("tables", [])
    for item in [*widgets, *(r for t in tables for r in t["rows"])]:
        item["levelText"] = level_text(item["level"], _)
    return {
        "playlist": playlist.name, "index": index, "count": len(playlist.slides), "board": slide.board,
        "title": slide.label_in(_), "seconds": slide.seconds, "privacyMask": playlist.privacy_mask,
        "generatedAt": now, "freshness": freshness(states, now, playlist.stale_minutes, _), "widgets": widgets,
        "tables": tables, "notice": notice,
    }  # fmt: skip
