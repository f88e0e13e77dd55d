"""The alerts pages: the open-alerts panel shown on the board and the metrics pages, ``/alerts`` (the full list
with filters), ``/alerts/{id}`` (one alert and its history), the acknowledge / resolve forms, ``/alerts/silences``
(list, create, expire) and the "Send test notification" form of the status page.

JSON twins: ``/api/dashboard/alerts``, ``/api/dashboard/alerts/{id}`` and ``/api/dashboard/alert-silences``.
Everything is scoped to the caller's clients as the API is; the forms post back and redirect (303) to the page
they were sent from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse import __version__
from deskpulse.alerts import channel_status
from deskpulse.alerts.history import AlertPage, alert_events, alert_json, event_json, list_alerts, visible_alert
from deskpulse.alerts.rule_store import all_rules
from deskpulse.alerts.runner import alerts_config, delivery_settings
from deskpulse.alerts.search import SEVERITIES, SearchError, parse_search
from deskpulse.alerts.silences import SilenceNotFound, SilenceRequest, create_silence, expire_silence
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.sentences import N_, Sentence
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.store.tables import ClientRow
from deskpulse.web.account._common import safe_next
from deskpulse.web.api.alerts import change_alert, silence_problems, silences_listed
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession
from deskpulse.web.i18n import translator

router = APIRouter(tags=["pages"], include_in_schema=False)
Staff = Annotated[Principal, Depends(require_page("tickets:internal"))]
Writer = Annotated[Principal, Depends(require_page("tickets:write"))]
Admin = Annotated[Principal, Depends(require_page("alerts:admin"))]
FormText = Annotated[str, Form(max_length=2000)]
OPEN = ("firing", "acknowledged")
# The state filter of /alerts: what each choice lists.
STATE_CHOICES: dict[str, tuple[str, ...] | None] = {
    "open": OPEN, "firing": ("firing",), "acknowledged": ("acknowledged",), "resolved": ("resolved",), "all": None,
}  # fmt: skip
PANEL_FIRING, PANEL_ACKNOWLEDGED = 10, 5
PAGE_SIZE = 50
NO_END = N_("Say when the silence ends.")


def _render(request: Request, template: str, principal: Principal, **context: Any) -> Response:
    base = {"principal": principal, "version": __version__, "root": request.scope.get("root_path", "")}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context})  # type: ignore[no-any-return]


def _here(request: Request) -> str:
    """This page's path and query without the root path: where a form on it returns to."""
    root, path = request.scope.get("root_path", ""), request.url.path
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path + (f"?{request.url.query}" if request.url.query else "")


def _view(row: AlertRow, now: datetime) -> dict[str, Any]:
    return {**alert_json(row), "ageSeconds": int((now - row.fired_at).total_seconds())}


def _shown(page: AlertPage, now: datetime) -> list[dict[str, Any]]:
    return [_view(row, now) for row in page.alerts]


def open_counts(session: Session, principal: Principal) -> tuple[int, int]:
    """(open alerts, of which firing) within the caller's clients."""
    found = list_alerts(session, client_ids=principal.client_ids, states=OPEN, limit=0)
    return found.total, found.unacknowledged


def alerts_panel(request: Request, session: Session, principal: Principal) -> dict[str, Any] | None:
    """What ``_alerts_panel.html`` shows: the caller's open alerts, firing ones first (newest first within each
    state, a few of each), the totals, and whether to offer the buttons. None for callers who may not see alerts."""
    if not principal.can("tickets:internal"):
        return None
    now, scope = utcnow(), principal.client_ids
    firing = list_alerts(session, client_ids=scope, states=["firing"], limit=PANEL_FIRING)
    acknowledged = list_alerts(session, client_ids=scope, states=["acknowledged"], limit=PANEL_ACKNOWLEDGED)
    shown = [*_shown(firing, now), *_shown(acknowledged, now)]
    return {
        "alerts": shown,
        "firing": firing.total,
        "acknowledged": acknowledged.total,
        "more": firing.total + acknowledged.total - len(shown),
        "can_act": principal.can("tickets:write"),
        "back": _here(request),
    }


FilterQ = Annotated[str | None, Query(max_length=200)]


def _choices(request: Request, session: Session, principal: Principal) -> dict[str, list[str]]:
    """What the filter menus offer: rules, the caller's clients, sources, severities."""
    config: Config = request.app.state.config
    scope = principal.client_ids
    clients = [c.id for c in config.clients]
    if scope is not None:
        mine = set(session.scalars(select(ClientRow.key).where(ClientRow.id.in_(sorted(scope)))))
        clients = [c for c in clients if c in mine]
    return {
        "rules": [r.id for r in all_rules(session, alerts_config(config))], "clients": clients,
        "sources": [s.name for s in config.sources], "severities": list(SEVERITIES),
    }  # fmt: skip


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    session: DbSession,
    principal: Staff,
    state: Annotated[str, Query(max_length=20)] = "open",
    search: FilterQ = None,
    rule: FilterQ = None,
    client: FilterQ = None,
    source: FilterQ = None,
    severity: FilterQ = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Alerts newest first, filtered by state (open, firing, acknowledged, resolved, all), rule, client, source,
    severity, text and the days they fired (from/to); resolved ones are kept ``[alerts] history_days``."""
    if state not in STATE_CHOICES:
        raise HTTPException(400, f"state: unknown value {state!r}; use {', '.join(STATE_CHOICES)}.")
    config: Config = request.app.state.config
    try:
        found = parse_search(rule=rule, client=client, source=source, severity=severity, text=search, start=start,
                             end=end, tz=config.tz)  # fmt: skip
    except SearchError as exc:
        raise HTTPException(400, str(exc)) from exc
    listed = list_alerts(
        session, client_ids=principal.client_ids, states=STATE_CHOICES[state], rule_id=found.rule_id, text=found.text,
        since=found.since, until=found.until, narrow=found.narrow, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
    )  # fmt: skip
    filters = {
        "state": state, "search": found.text or "", "rule": found.rule_id or "", "client": found.narrow.client or "",
        "source": found.narrow.source or "", "severity": found.narrow.severity or "", "from": (start or "").strip(),
        "to": (end or "").strip(),
    }  # fmt: skip
    query = urlencode({k: v for k, v in filters.items() if v})
    return _render(
        request, "alerts.html", principal, alerts=_shown(listed, utcnow()), total=listed.total,
        unacknowledged=listed.unacknowledged, filters=filters, states=list(STATE_CHOICES), query=query,
        choices=_choices(request, session, principal), page=page, pages=max(1, -(-listed.total // PAGE_SIZE)),
        can_act=principal.can("tickets:write"), back=_here(request),
    )  # fmt: skip


def _local(value: str, name: str, tz: ZoneInfo) -> datetime | None:
    """A ``datetime-local`` form value (``2026-11-18T22:00``) read in the configured time zone; None when empty."""
    text = value.strip()
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"The {name} {value!r} is not a date and time like 2026-11-18T22:00.") from None
    return found.replace(tzinfo=tz) if found.tzinfo is None else found


def _silences_page(
    request: Request, session: Session, principal: Principal, *, form: dict[str, str] | None = None,
    problems: list[Sentence] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    config: Config = request.app.state.config
    _ = translator(request)
    response = _render(
        request, "alert_silences.html", principal, silences=silences_listed(request, session, utcnow()),
        choices=_choices(request, session, principal), form=form or {},
        problems=[p.in_language(_) for p in problems or []], tz=config.timezone,
    )  # fmt: skip
    response.status_code = status
    return response


@router.get("/alerts/silences", response_class=HTMLResponse)
def silences_page(request: Request, session: DbSession, principal: Admin) -> Response:
    """Silences in force, upcoming and recently over (config-file ones read-only), and a form to add one."""
    return _silences_page(request, session, principal)


@router.post("/alerts/silences", response_class=HTMLResponse)
def create_silence_form(
    request: Request, session: DbSession, principal: Admin, comment: FormText = "", end: FormText = "",
    start: FormText = "", rule: FormText = "", client: FormText = "", source: FormText = "",
) -> Response:  # fmt: skip
    """Create a silence from the form; back to the list (303), or the form again with the problems (400)."""
    config: Config = request.app.state.config
    form = {"comment": comment, "end": end, "start": start, "rule": rule, "client": client, "source": source}
    now = utcnow()
    until = _local(end, "end", config.tz)
    if until is None:
        return _silences_page(request, session, principal, form=form, problems=[Sentence(NO_END)],
                              status=400)  # fmt: skip
    wanted = SilenceRequest(rule.strip() or None, client.strip() or None, source.strip() or None,
                            _local(start, "start", config.tz), until, comment)  # fmt: skip
    problems = silence_problems(request, session, wanted, now)
    if problems:
        return _silences_page(request, session, principal, form=form, problems=problems, status=400)
    create_silence(session, wanted, by=principal.actor, now=now)
    return RedirectResponse(request.scope.get("root_path", "") + "/alerts/silences", status_code=303)


@router.post("/alerts/silences/{silence_id}/expire", response_class=HTMLResponse)
def expire_silence_form(request: Request, session: DbSession, principal: Admin, silence_id: int) -> Response:
    """Expire a silence now, then back to the list."""
    try:
        expire_silence(session, silence_id, by=principal.actor, now=utcnow())
    except SilenceNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return RedirectResponse(request.scope.get("root_path", "") + "/alerts/silences", status_code=303)


@router.post("/status/channels/{name}/test", response_class=HTMLResponse)
async def test_channel_form(request: Request, principal: Admin, name: str) -> Response:
    """Send a test notification through channel ``name`` and return to the status page, which shows the result
    as the channel's last delivery."""
    config: Config = request.app.state.config
    try:
        await channel_status.test_channel(request.app.state.db, delivery_settings(config), name, utcnow(),
                                          by=principal.actor)  # fmt: skip
    except channel_status.UnknownChannel as exc:
        raise HTTPException(404, str(exc)) from exc
    target = f"/status/sources?tested={quote(name)}#channel-{quote(name)}"
    return RedirectResponse(request.scope.get("root_path", "") + target, status_code=303)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, session: DbSession, principal: Staff, alert_id: int) -> Response:
    """One alert: what it says, its state and level, and its history (fired, notified, escalated, ...)."""
    row = visible_alert(session, alert_id, principal.client_ids)
    if row is None:
        raise HTTPException(404, f"Alert {alert_id} was not found.")
    events = [event_json(e) for e in alert_events(session, alert_id)]
    return _render(request, "alert.html", principal, a=_view(row, utcnow()), events=events,
                   can_act=principal.can("tickets:write"), back=_here(request))  # fmt: skip


async def _act(
    request: Request, principal: Principal, alert_id: int, action: str, next_path: str, note: str
) -> Response:
    try:
        await change_alert(request, principal, alert_id, action, note.strip() or None)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        # Resolved meanwhile (by someone else or because its condition cleared): the page shows it as it is now.
    target = safe_next(next_path) if next_path else "/alerts"
    return RedirectResponse(request.scope.get("root_path", "") + target, status_code=303)


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge_form(
    request: Request, principal: Writer, alert_id: int, next: FormText = "", note: FormText = ""
) -> Response:
    """Acknowledge a firing alert from a page, then return to it (``next``: a path on this site)."""
    return await _act(request, principal, alert_id, "acknowledged", next, note)


@router.post("/alerts/{alert_id}/resolve", response_class=HTMLResponse)
async def resolve_form(
    request: Request, principal: Writer, alert_id: int, next: FormText = "", note: FormText = ""
) -> Response:
    """Resolve an open alert from a page, then return to it."""
    return await _act(request, principal, alert_id, "resolved", next, note)
