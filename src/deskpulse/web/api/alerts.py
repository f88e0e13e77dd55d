"""Alerts, escalation rules, channels and silences at the old dashboard's paths, in the ``{success, data,
message}`` envelope."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from deskpulse.alerts import channel_status
from deskpulse.alerts.changes import change_of
from deskpulse.alerts.history import alert_events, alert_json, event_json, list_alerts, visible_alert
from deskpulse.alerts.resolution import AlertNotFound, AlertStateError, acknowledge, resolve
from deskpulse.alerts.rule_store import all_rules, delete_rule, get_rule, new_rule_id, save_rule
from deskpulse.alerts.rules import Rule
from deskpulse.alerts.runner import alerts_config, delivery_settings, events_for
from deskpulse.alerts.search import SearchError, parse_search
from deskpulse.alerts.silences import (
    SilenceNotFound,
    SilenceRequest,
    config_silence_json,
    create_silence,
    expire_silence,
    list_silences,
    problems_with,
    silence_json,
)
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.live.service import LiveService
from deskpulse.metrics.envelope import Envelope, ok
from deskpulse.sentences import Sentence
from deskpulse.store.db import Database
from deskpulse.web.api.errors import api_errors
from deskpulse.web.api.iso_time import IsoDateTime
from deskpulse.web.auth import Internal, require
from deskpulse.web.deps import DbSession

router = APIRouter(tags=["alerts"])
ERRORS = api_errors()
Writer = Annotated[Principal, Depends(require("tickets:write"))]
RuleAdmin = Annotated[Principal, Depends(require("alerts:admin"))]
STATES = ("firing", "acknowledged", "resolved")


class Acknowledgement(BaseModel):
    """``acknowledgedBy`` defaults to the caller; a note is kept in the alert's history."""

    model_config = ConfigDict(extra="forbid")

    acknowledgedBy: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


@router.get("/api/dashboard/alerts", response_model=Envelope, responses=ERRORS)
def alerts(
    request: Request,
    session: DbSession,
    principal: Internal,
    state: Annotated[str | None, Query(description="firing, acknowledged or resolved; comma-separated")] = None,
    rule: Annotated[str | None, Query(max_length=40, description="A rule id")] = None,
    client: Annotated[str | None, Query(max_length=40, description="A client id of [[clients]]")] = None,
    source: Annotated[str | None, Query(max_length=40, description="A source name")] = None,
    severity: Annotated[str | None, Query(max_length=10, description="info, warning or critical")] = None,
    search: Annotated[str | None, Query(max_length=200, description="Text in the title, message or subject")] = None,
    since: IsoDateTime | None = None,
    start: Annotated[str | None, Query(alias="from", max_length=40, description="Fired from: a day or a time")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40, description="Fired up to: a day (included)")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    pageSize: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Envelope:
    """Alerts newest first within the caller's clients, history included (``state=resolved``): ``{alerts, total,
    unacknowledged}``. Filters combine; ``from``/``to`` take a local day or a time with an offset."""
    states = [s.strip() for s in state.split(",") if s.strip()] if state else None
    bad = [s for s in states or [] if s not in STATES]
    if bad:
        raise HTTPException(400, f"state: unknown value(s) {', '.join(bad)}; use {', '.join(STATES)}.")
    config: Config = request.app.state.config
    try:
        found = parse_search(rule=rule, client=client, source=source, severity=severity, text=search, start=start,
                             end=end, tz=config.tz)  # fmt: skip
    except SearchError as exc:
        raise HTTPException(400, str(exc)) from exc
    if since is not None and since.tzinfo is None:
        raise HTTPException(400, "since needs a time zone offset, e.g. 2026-11-18T09:30:00+01:00.")
    earliest = max((m for m in (since, found.since) if m is not None), default=None)
    listed = list_alerts(
        session, client_ids=principal.client_ids, states=states, rule_id=found.rule_id, text=found.text,
        since=earliest, until=found.until, narrow=found.narrow, limit=pageSize, offset=(page - 1) * pageSize,
    )  # fmt: skip
    return ok({"alerts": [alert_json(a) for a in listed.alerts], "total": listed.total,
               "unacknowledged": listed.unacknowledged})  # fmt: skip


async def change_alert(request: Request, principal: Principal, alert_id: int, action: str, note: str | None,
                       by: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Acknowledge (``action`` "acknowledged") or resolve ("resolved") an alert within the caller's clients and
    push the change live; the alert as the API returns it. 404 outside the caller's clients, 409 when resolved."""
    db: Database = request.app.state.db
    now = utcnow()

    def apply() -> dict[str, Any]:
        with db.session() as session:
            try:
                if action == "acknowledged":
                    row = acknowledge(session, alert_id, by or principal.actor, now, note=note,
                                      client_ids=principal.client_ids)  # fmt: skip
                else:
                    row = resolve(session, alert_id, principal.actor, now, note=note, client_ids=principal.client_ids)
            except AlertNotFound as exc:
                raise HTTPException(404, str(exc)) from exc
            except AlertStateError as exc:
                raise HTTPException(409, str(exc)) from exc
            session.flush()
            return {"alert": alert_json(row), "change": change_of(row, action)}

    done = await asyncio.to_thread(apply)
    live: LiveService = request.app.state.live
    await live.publish(events_for(done["change"], now))
    alert: dict[str, Any] = done["alert"]
    return alert


@router.get("/api/dashboard/alerts/{alert_id}", response_model=Envelope, responses=api_errors(404))
def one_alert(session: DbSession, principal: Internal, alert_id: int) -> Envelope:
    """One alert within the caller's clients with its history, oldest first: ``{alert, events}``."""
    row = visible_alert(session, alert_id, principal.client_ids)
    if row is None:
        raise HTTPException(404, f"Alert {alert_id} was not found.")
    return ok({"alert": alert_json(row), "events": [event_json(e) for e in alert_events(session, alert_id)]})


@router.post("/api/dashboard/alerts/{alert_id}/acknowledge", response_model=Envelope,
             responses=api_errors(404, 409, 413))  # fmt: skip
async def acknowledge_alert(
    request: Request, alert_id: int, principal: Writer, body: Acknowledgement | None = None
) -> Envelope:
    """Acknowledge a firing alert: escalation and repeats stop; it still resolves when its condition clears."""
    body = body or Acknowledgement()
    return ok(await change_alert(request, principal, alert_id, "acknowledged", body.note, body.acknowledgedBy))


@router.post("/api/dashboard/alerts/{alert_id}/resolve", response_model=Envelope, responses=api_errors(404, 413))
async def resolve_alert(request: Request, alert_id: int, principal: Writer, body: Resolution | None = None) -> Envelope:
    """Resolve an alert by hand (if its condition still holds, the next evaluation opens a new one)."""
    return ok(await change_alert(request, principal, alert_id, "resolved", (body or Resolution()).note))


def _rule_json(rule: Rule, source: str) -> dict[str, Any]:
    return {**rule.model_dump(mode="json"), "definedIn": source}


@router.get("/api/dashboard/escalation-rules", response_model=Envelope, responses=ERRORS)
def rules(request: Request, session: DbSession, _: Internal) -> Envelope:
    """Every rule: from the config file (read-only here) and created through the API."""
    config: Config = request.app.state.config
    from_file = {r.id for r in alerts_config(config).rules}
    return ok(
        [_rule_json(r, "config" if r.id in from_file else "api") for r in all_rules(session, alerts_config(config))]
    )


def _validated(request: Request, body: dict[str, Any], rule_id: str | None) -> Rule:
    config: Config = request.app.state.config
    data = dict(body)
    data.setdefault("id", rule_id or new_rule_id(str(data.get("name", "rule"))))
    if rule_id is not None and data["id"] != rule_id:
        raise HTTPException(400, "The rule's id cannot change; create a new rule instead.")
    if any(r.id == data["id"] for r in alerts_config(config).rules):
        raise HTTPException(409, f"Rule {data['id']!r} is defined in the config file; change it there.")
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise HTTPException(400, problems) from exc
    found = alerts_config(config).problems_with(rule)
    if found:
        raise HTTPException(400, "; ".join(found))
    return rule


@router.post("/api/dashboard/escalation-rules", response_model=Envelope, responses=api_errors(409, 413))
def create_rule(request: Request, session: DbSession, principal: RuleAdmin, body: dict[str, Any]) -> Envelope:
    """Create a rule (same schema as ``[[alerts.rules]]``); 400 lists every problem."""
    rule = _validated(request, body, None)
    if get_rule(session, rule.id) is not None:
        raise HTTPException(409, f"A rule with id {rule.id!r} already exists.")
    return ok(_rule_json(save_rule(session, rule, by=principal.actor, now=utcnow()), "api"))


@router.put("/api/dashboard/escalation-rules/{rule_id}", response_model=Envelope,
            responses=api_errors(404, 409, 413))  # fmt: skip
def update_rule(
    request: Request, session: DbSession, principal: RuleAdmin, rule_id: str, body: dict[str, Any]
) -> Envelope:
    """Replace a rule created through the API. Alerts already open keep the escalation policy they fired with."""
    if get_rule(session, rule_id) is None:
        raise HTTPException(404, f"There is no API-defined rule {rule_id!r}.")
    rule = _validated(request, body, rule_id)
    return ok(_rule_json(save_rule(session, rule, by=principal.actor, now=utcnow()), "api"))


@router.delete("/api/dashboard/escalation-rules/{rule_id}", response_model=Envelope, responses=api_errors(404))
def remove_rule(session: DbSession, _: RuleAdmin, rule_id: str) -> Envelope:
    """Delete a rule created through the API (its open alerts resolve at the next evaluation)."""
    if not delete_rule(session, rule_id):
        raise HTTPException(404, f"There is no API-defined rule {rule_id!r}.")
    return ok({"deleted": rule_id})


@router.get("/api/dashboard/alert-channels", response_model=Envelope, responses=ERRORS)
def channels(request: Request, session: DbSession, _: Internal) -> Envelope:
    """Each notification channel with its recent delivery record and whether it is failing."""
    health = channel_status.channel_health(session, alerts_config(request.app.state.config))
    return ok([asdict(h) for h in health])


@router.post("/api/dashboard/alert-channels/{name}/test", response_model=Envelope, responses=api_errors(404))
async def test_a_channel(request: Request, name: str, principal: RuleAdmin) -> Envelope:
    """Send a test notification through one channel now; the attempt is recorded like any delivery."""
    config: Config = request.app.state.config
    try:
        result = await channel_status.test_channel(
            request.app.state.db, delivery_settings(config), name, utcnow(), by=principal.actor
        )
    except channel_status.UnknownChannel as exc:
        raise HTTPException(404, str(exc)) from exc
    return Envelope(success=result.ok, data=asdict(result), message=None if result.ok else result.error)


class SilenceBody(BaseModel):
    """A new silence: any of rule, client and source (none: everything), until ``end``, from ``start`` (now if
    left out); the comment says why. Who created it is the caller."""

    model_config = ConfigDict(extra="forbid")

    rule: str | None = Field(default=None, max_length=40)
    client: str | None = Field(default=None, max_length=40)
    source: str | None = Field(default=None, max_length=40)
    start: datetime | None = None
    end: datetime
    comment: str = Field(max_length=500)


def silence_problems(request: Request, session: Session, wanted: SilenceRequest, now: datetime) -> list[Sentence]:
    """Why ``wanted`` cannot be saved, in sentences (unknown rule, client or source; a bad time range)."""
    config: Config = request.app.state.config
    return problems_with(
        wanted, now, rules=[r.id for r in all_rules(session, alerts_config(config))],
        clients=[c.id for c in config.clients], sources=[s.name for s in config.sources],
    )  # fmt: skip


def silences_listed(request: Request, session: Session, now: datetime) -> list[dict[str, Any]]:
    """The silences of the config file (read-only), then the stored ones in force or upcoming, then recent past."""
    config: Config = request.app.state.config
    from_file = [config_silence_json(s, now) for s in alerts_config(config).silences]
    return [*from_file, *(silence_json(row, now) for row in list_silences(session, now))]


@router.get("/api/dashboard/alert-silences", response_model=Envelope, responses=ERRORS)
def silences(request: Request, session: DbSession, _: RuleAdmin) -> Envelope:
    """Every silence: from the config file (``definedIn: config``), then those created here, newest past last."""
    return ok(silences_listed(request, session, utcnow()))


@router.post("/api/dashboard/alert-silences", response_model=Envelope, responses=api_errors(413))
def create_a_silence(request: Request, session: DbSession, principal: RuleAdmin, body: SilenceBody) -> Envelope:
    """Silence notifications of alerts matching rule, client and source until ``end``; alerts are still recorded.
    400 lists every problem."""
    now = utcnow()
    wanted = SilenceRequest(body.rule, body.client, body.source, body.start, body.end, body.comment)
    problems = silence_problems(request, session, wanted, now)
    if problems:
        raise HTTPException(400, " ".join(map(str, problems)))
    return ok(silence_json(create_silence(session, wanted, by=principal.actor, now=now), now))


@router.delete("/api/dashboard/alert-silences/{silence_id}", response_model=Envelope, responses=api_errors(404))
def expire_a_silence(session: DbSession, principal: RuleAdmin, silence_id: int) -> Envelope:
    """End a silence now (notifications resume at the next evaluation); it stays listed as expired."""
    now = utcnow()
    try:
        row = expire_silence(session, silence_id, by=principal.actor, now=now)
    except SilenceNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return ok(silence_json(row, now))
