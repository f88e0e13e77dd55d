"""The alerts pages: the open-alerts panel shown on the board and the metrics pages, ``/alerts`` (the full list
with filters), ``/alerts/{id}`` (one alert and its history) and the acknowledge / resolve forms.

JSON twins: ``/api/dashboard/alerts`` and ``/api/dashboard/alerts/{id}``. Everything is scoped to the caller's
clients as the API is; the forms post back and redirect (303) to the page they were sent from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from deskpulse import __version__
from deskpulse.alerts.history import AlertPage, alert_events, alert_json, event_json, list_alerts, visible_alert
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.web.account._common import safe_next
from deskpulse.web.api.alerts import change_alert
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)
Staff = Annotated[Principal, Depends(require_page("tickets:internal"))]
Writer = Annotated[Principal, Depends(require_page("tickets:write"))]
FormText = Annotated[str, Form(max_length=2000)]
OPEN = ("firing", "acknowledged")
# The state filter of /alerts: what each choice lists.
STATE_CHOICES: dict[str, tuple[str, ...] | None] = {
    "open": OPEN, "firing": ("firing",), "acknowledged": ("acknowledged",), "resolved": ("resolved",), "all": None,
}  # fmt: skip
PANEL_FIRING, PANEL_ACKNOWLEDGED = 10, 5
PAGE_SIZE = 50


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


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    session: DbSession,
    principal: Staff,
    state: Annotated[str, Query(max_length=20)] = "open",
    search: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Alerts newest first, filtered by state (open, firing, acknowledged, resolved, all) and text."""
    if state not in STATE_CHOICES:
        raise HTTPException(400, f"state: unknown value {state!r}; use {', '.join(STATE_CHOICES)}.")
    text = (search or "").strip() or None
    found = list_alerts(session, client_ids=principal.client_ids, states=STATE_CHOICES[state], text=text,
                        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    return _render(
        request, "alerts.html", principal, alerts=_shown(found, utcnow()), total=found.total,
        unacknowledged=found.unacknowledged, filters={"state": state, "search": text or ""}, states=list(STATE_CHOICES),
        page=page, pages=max(1, -(-found.total // PAGE_SIZE)), can_act=principal.can("tickets:write"),
        back=_here(request),
    )  # fmt: skip


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
