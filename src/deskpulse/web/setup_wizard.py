"""The first-run wizard, after the first administrator exists: add a source and test its connection
(``/setup/source``), pick the time zone and business hours (``/setup/hours``), and watch the first sync
(``/setup/first-sync``). Every step is also reachable later under /settings; admin only."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from deskpulse.auth.principal import Principal
from deskpulse.secret_box import missing_key_message
from deskpulse.settings_store import KIND_LABELS, desk_settings
from deskpulse.web.account._common import redirect, render
from deskpulse.web.auth import require_page
from deskpulse.web.i18n import N_
from deskpulse.web.settings_forms import (
    FORM_FIELDS,
    box_of,
    desk_view,
    file_config_of,
    form_values,
    kind_choices,
    known_kind,
    zones,
)
from deskpulse.web.settings_pages import save_desk_form, save_source_form

router = APIRouter(tags=["pages"], include_in_schema=False)
AdminPage = Annotated[Principal, Depends(require_page("users:admin"))]
SourceName = Annotated[str, Query(max_length=40)]
STEPS = (N_("Source"), N_("Time zone and hours"), N_("First sync"))


def _page(request: Request, principal: Principal, template: str, step: int, status: int = 200, **ctx: Any) -> Response:
    return render(request, template, {"principal": principal, "steps": STEPS, "step": step, **ctx}, status)


def _source_step(
    request: Request, principal: Principal, kind: str, *, name: str = "", values: dict[str, str] | None = None,
    error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    shown = {k: v for k, v in (values or {}).items() if not any(f.secret and f.name == k for f in FORM_FIELDS[kind])}
    return _page(
        request, principal, "setup_source.html", 1, status, kind=kind, label=KIND_LABELS[kind], kinds=kind_choices(),
        name=name or kind, fields=FORM_FIELDS[kind], values=shown, masks={}, error=error,
        key_missing=missing_key_message() if box_of(request) is None and kind != "files" else "",
    )  # fmt: skip


@router.get("/setup/source", response_class=HTMLResponse)
def source_step(
    request: Request, principal: AdminPage, kind: Annotated[str, Query(max_length=20)] = "freshservice"
) -> Response:
    """Step 1: pick the vendor, paste the credentials, test the connection."""
    return _source_step(request, principal, known_kind(kind))


@router.post("/setup/source", response_class=HTMLResponse)
async def source_step_submit(request: Request, principal: AdminPage) -> Response:
    """Save the source, then go on to the time zone and hours."""
    form = await request.form()
    kind = known_kind(str(form.get("kind") or ""))
    name = str(form.get("name") or "").strip()
    error = save_source_form(request, principal, kind, name, form)
    if error:
        values = form_values(kind, form)
        return _source_step(request, principal, kind, name=name, values=values, error=error, status=400)
    return redirect(request, f"/setup/hours?source={quote(name, safe='')}")


@router.get("/setup/hours", response_class=HTMLResponse)
def hours_step(request: Request, principal: AdminPage, source: SourceName = "") -> Response:
    """Step 2: the desk's time zone and business hours (the calendar SLA clocks run on)."""
    with request.app.state.db.session() as session:
        desk = desk_view(file_config_of(request), desk_settings(session))
    return _page(request, principal, "setup_hours.html", 2, desk=desk, zones=zones(), source=source)


@router.post("/setup/hours", response_class=HTMLResponse)
async def hours_step_submit(request: Request, principal: AdminPage, source: SourceName = "") -> Response:
    """Save the time zone and hours (unless the file fixes them), then show the first sync."""
    form = await request.form()
    file_config = file_config_of(request)
    fixed = "timezone" in file_config.model_fields_set and "hours" in file_config.sla.model_fields_set
    error = "" if fixed else save_desk_form(request, principal, form)
    if error:
        with request.app.state.db.session() as session:
            desk = desk_view(file_config, desk_settings(session))
        return _page(request, principal, "setup_hours.html", 2, 400, desk=desk, zones=zones(), source=source,
                     error=error)  # fmt: skip
    target = f"/setup/first-sync?source={quote(source, safe='')}" if source else "/settings?done=desk-saved"
    return redirect(request, target)


@router.get("/setup/first-sync", response_class=HTMLResponse)
def first_sync_step(request: Request, principal: AdminPage, source: SourceName = "") -> Response:
    """Step 3: the first sync's progress, live (the page polls ``/api/settings/sources/{name}/sync``)."""
    if not source:
        raise HTTPException(400, "Say which source to follow: /setup/first-sync?source=<name>.")
    return _page(request, principal, "setup_first_sync.html", 3, source=source)
