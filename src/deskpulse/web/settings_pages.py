"""/settings (admin only): sources, time zone and business hours saved in the database, over the config file.

Sources named in deskpulse.toml are listed read-only. A browser source can be added, edited (an empty secret field
keeps the saved secret), disabled, or removed; removing keeps its stored tickets unless the admin asks for them to
be deleted too. Forms post back and redirect (303); the CSRF middleware checks their origin. JSON twin:
``/api/settings``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from deskpulse.auth import audit
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.secret_box import SecretKeyError, missing_key_message
from deskpulse.settings_store import (
    KIND_LABELS,
    SettingsError,
    desk_settings,
    remove_source,
    save_desk_settings,
    save_source,
    set_enabled,
    stored_sources,
)
from deskpulse.web.account._common import redirect, render
from deskpulse.web.auth import client_ip, require_page
from deskpulse.web.i18n import N_
from deskpulse.web.settings_api import settings_json
from deskpulse.web.settings_forms import (
    FORM_FIELDS,
    actor_of,
    box_of,
    desk_view,
    file_config_of,
    form_values,
    known_kind,
    parse_hours,
    zones,
)

router = APIRouter(tags=["pages"], include_in_schema=False)
AdminPage = Annotated[Principal, Depends(require_page("users:admin"))]
# Outcomes shown after a redirect; fixed sentences, so a crafted link cannot put words on the page.
NOTICES = {
    "source-saved": N_("The source was saved; the sync picks it up within a few seconds."),
    "source-disabled": N_("The source was disabled: it is no longer synced; its tickets stay."),
    "source-enabled": N_("The source was enabled again."),
    "source-removed": N_("The source was removed; its stored tickets were kept."),
    "source-purged": N_("The source and its stored tickets were removed."),
    "desk-saved": N_("The time zone and business hours were saved."),
}


def _page(request: Request, principal: Principal, template: str, status: int = 200, **context: Any) -> Response:
    return render(request, template, {"principal": principal, **context}, status)


def overview(request: Request, principal: Principal, *, error: str = "", status: int = 200) -> Response:
    """The settings page: time zone and hours form, the sources (file ones read-only), the add-a-source links."""
    return _page(
        request, principal, "settings.html", status, settings=settings_json(request), zones=zones(),
        desk=_desk(request), kinds=[(k, KIND_LABELS[k]) for k in FORM_FIELDS], error=error,
        notice=NOTICES.get(request.query_params.get("done", ""), ""),
    )  # fmt: skip


def _desk(request: Request) -> dict[str, Any]:
    with request.app.state.db.session() as session:
        return desk_view(file_config_of(request), desk_settings(session))


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, principal: AdminPage) -> Response:
    """Sources, time zone and business hours."""
    return overview(request, principal)


def save_desk_form(request: Request, principal: Principal, form: Any) -> str:
    """Save the time zone and hours of a submitted form; the reason as a sentence when they cannot be ("" = ok)."""
    file_config = file_config_of(request)
    if "timezone" in file_config.model_fields_set and "hours" in file_config.sla.model_fields_set:
        return "The time zone and business hours are set in deskpulse.toml; change them there."
    zone = str(form.get("timezone") or "").strip()
    if zone not in set(zones()):
        return f"Unknown time zone {zone[:60]!r}; pick one from the list."
    if "hours" in file_config.sla.model_fields_set:  # the file's hours win; only the time zone is saved
        hours = file_config.sla.hours or {}
    else:
        try:
            hours = parse_hours(form)
        except HTTPException as exc:
            return str(exc.detail)
    country = str(form.get("holiday_country") or "").strip().upper() or None
    now = utcnow()
    try:
        with request.app.state.db.session() as session:
            save_desk_settings(session, timezone=zone, hours=hours, holiday_country=country,
                               actor=actor_of(principal), now=now)  # fmt: skip
            audit.record(session, at=now, actor=principal.actor, action="settings_desk_saved", target=zone,
                         ip=client_ip(request))  # fmt: skip
    except SettingsError as exc:
        return str(exc)
    return ""


@router.post("/settings/desk", response_class=HTMLResponse)
async def desk_form(request: Request, principal: AdminPage) -> Response:
    """Save the time zone and business hours."""
    error = save_desk_form(request, principal, await request.form())
    if error:
        return overview(request, principal, error=error, status=400)
    return redirect(request, "/settings?done=desk-saved")


def save_source_form(request: Request, principal: Principal, kind: str, name: str, form: Any) -> str:
    """Save a submitted source form; the reason as a sentence when it cannot be saved ("" = saved)."""
    values = form_values(kind, form)
    now = utcnow()
    file_names = {s.name for s in file_config_of(request).sources}
    try:
        with request.app.state.db.session() as session:
            save_source(session, box_of(request), name=name, kind=kind, values=values, actor=actor_of(principal),
                        now=now, file_names=file_names)  # fmt: skip
            audit.record(session, at=now, actor=principal.actor, action="settings_source_saved", target=name,
                         ip=client_ip(request))  # fmt: skip
    except (SettingsError, SecretKeyError) as exc:
        return str(exc)
    return ""


def source_form(
    request: Request, principal: Principal, kind: str, *, name: str = "", values: dict[str, str] | None = None,
    editing: bool = False, error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    """The add/edit form of one source; secret fields are always empty (masked value as a placeholder)."""
    masks: dict[str, str] = {}
    shown = dict(values or {})
    if editing:
        with request.app.state.db.session() as session:
            saved = next((s for s in stored_sources(session, box_of(request)) if s.name == name), None)
        if saved is None:
            raise HTTPException(404, f"There is no source named {name[:40]!r} saved in the browser.")
        masks = saved.masks
        shown = {k: str(v) for k, v in saved.options.items()} | {k: v for k, v in shown.items() if v}
    for spec in FORM_FIELDS[kind]:
        if spec.secret:
            shown.pop(spec.name, None)  # never echo a secret into the HTML, saved or just typed
    return _page(
        request, principal, "settings_source.html", status, kind=kind, label=KIND_LABELS[kind], name=name,
        fields=FORM_FIELDS[kind], values=shown, masks=masks, editing=editing, error=error,
        key_missing=missing_key_message() if box_of(request) is None and kind != "files" else "",
    )  # fmt: skip


@router.get("/settings/sources/new", response_class=HTMLResponse)
def new_source_page(
    request: Request, principal: AdminPage, kind: Annotated[str, Query(max_length=20)] = "freshservice"
) -> Response:
    """The form that adds a source of ``kind``."""
    return source_form(request, principal, known_kind(kind))


@router.post("/settings/sources", response_class=HTMLResponse)
async def add_source_form(request: Request, principal: AdminPage) -> Response:
    """Add a source from the form."""
    form = await request.form()
    kind = known_kind(str(form.get("kind") or ""))
    name = str(form.get("name") or "").strip()
    error = save_source_form(request, principal, kind, name, form)
    if error:
        return source_form(request, principal, kind, name=name, values=form_values(kind, form), error=error, status=400)
    return redirect(request, "/settings?done=source-saved")


def _browser_source_kind(request: Request, name: str) -> str:
    if name in {s.name for s in file_config_of(request).sources}:
        raise HTTPException(409, f"Source {name[:40]!r} is defined in deskpulse.toml; change it there.")
    with request.app.state.db.session() as session:
        saved = next((s for s in stored_sources(session, box_of(request)) if s.name == name), None)
    if saved is None:
        raise HTTPException(404, f"There is no source named {name[:40]!r} saved in the browser.")
    return saved.kind


@router.get("/settings/sources/{name}", response_class=HTMLResponse)
def edit_source_page(request: Request, principal: AdminPage, name: str) -> Response:
    """The edit form of a browser source (secrets never shown: leave a secret field empty to keep it)."""
    return source_form(request, principal, _browser_source_kind(request, name), name=name, editing=True)


@router.post("/settings/sources/{name}", response_class=HTMLResponse)
async def change_source_form(request: Request, principal: AdminPage, name: str) -> Response:
    """Save an edited browser source."""
    kind = _browser_source_kind(request, name)
    form = await request.form()
    error = save_source_form(request, principal, kind, name, form)
    if error:
        values = form_values(kind, form)
        return source_form(request, principal, kind, name=name, values=values, editing=True, error=error, status=400)
    return redirect(request, "/settings?done=source-saved")


@router.post("/settings/sources/{name}/enabled", response_class=HTMLResponse)
async def enable_source_form(request: Request, principal: AdminPage, name: str) -> Response:
    """Disable (enabled=0) or enable (enabled=1) a browser source."""
    _browser_source_kind(request, name)
    wanted = str((await request.form()).get("enabled") or "").strip() in ("1", "true", "on")
    now = utcnow()
    with request.app.state.db.session() as session:
        set_enabled(session, name, wanted, actor=principal.actor, now=now)
        audit.record(session, at=now, actor=principal.actor, ip=client_ip(request), target=name,
                     action="settings_source_enabled" if wanted else "settings_source_disabled")  # fmt: skip
    return redirect(request, f"/settings?done={'source-enabled' if wanted else 'source-disabled'}")


@router.post("/settings/sources/{name}/remove", response_class=HTMLResponse)
async def remove_source_form(request: Request, principal: AdminPage, name: str) -> Response:
    """Remove a browser source; its stored tickets are deleted only with ``delete_tickets=yes``."""
    _browser_source_kind(request, name)
    purge = str((await request.form()).get("delete_tickets") or "") == "yes"
    now = utcnow()
    with request.app.state.db.session() as session:
        remove_source(session, name, delete_tickets=purge, actor=principal.actor, now=now)
        audit.record(session, at=now, actor=principal.actor, ip=client_ip(request), target=name,
                     action="settings_source_purged" if purge else "settings_source_removed")  # fmt: skip
    return redirect(request, f"/settings?done={'source-purged' if purge else 'source-removed'}")
