"""JSON twin of /settings and the wizard (admin only): the effective settings with secrets masked, the connection
test, and a source's first-sync progress (what the wizard's last step polls)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from deskpulse.auth.principal import Principal
from deskpulse.config import AnySource, Config
from deskpulse.secret_box import SecretKeyError
from deskpulse.settings_store import (
    KIND_LABELS,
    SECRET_FIELDS,
    SettingsError,
    build_source,
    desk_settings,
    split_secrets,
    stored_source_config,
    stored_sources,
)
from deskpulse.source_check import check_source, explain_stored, for_test
from deskpulse.store.tables import SourceRow, TicketRow
from deskpulse.store.uptime_tables import NmsDeviceRow
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import require
from deskpulse.web.settings_forms import box_of, desk_view, file_config_of, known_kind

router = APIRouter(prefix="/api/settings", tags=["settings"], responses=api_errors())
Admin = Annotated[Principal, Depends(require("users:admin"))]
FILE_NOTE = "defined in deskpulse.toml"


class ConnectionTest(BaseModel):
    """A source to test: its kind, its name (an existing source's saved secrets fill empty fields), its fields."""

    kind: str = Field(max_length=20)
    name: str = Field(default="", max_length=40)
    values: dict[str, str] = Field(default_factory=dict, max_length=20)


def settings_json(request: Request) -> dict[str, Any]:
    """Time zone, hours and every source (file ones marked read-only), secrets masked."""
    file_config = file_config_of(request)
    box = box_of(request)
    with request.app.state.db.session() as session:
        desk = desk_view(file_config, desk_settings(session))
        saved = stored_sources(session, box)
    file_sources = [
        {"name": s.name, "kind": s.kind, "label": KIND_LABELS.get(s.kind, s.kind), "origin": "file", "enabled": True,
         "readOnly": True, "note": FILE_NOTE}
        for s in file_config.sources
    ]  # fmt: skip
    browser_sources = [
        {"name": s.name, "kind": s.kind, "label": KIND_LABELS.get(s.kind, s.kind), "origin": "browser",
         "enabled": s.enabled, "readOnly": False, "options": s.options, "secrets": s.masks,
         "updatedAt": s.updated_at.isoformat(), "updatedBy": s.updated_by}
        for s in saved
    ]  # fmt: skip
    return {
        "timezone": desk["timezone"],
        "timezoneFixed": desk["timezone_fixed"],
        "hours": {day: [r.strip() for r in text.split(",") if r.strip()] for day, text in desk["hours"].items()},
        "hoursFixed": desk["hours_fixed"],
        "holidayCountry": desk["holiday_country"] or None,
        "secretKeySet": box is not None,
        "sources": file_sources + browser_sources,
    }


@router.get("")
def get_settings(request: Request, principal: Admin) -> dict[str, Any]:
    """The settings as /settings shows them; secrets appear only masked (••••abcd)."""
    return settings_json(request)


def source_to_test(request: Request, body: ConnectionTest) -> AnySource:
    """The settings to test: a file source as configured, else the submitted fields over the saved secrets."""
    file_config: Config = file_config_of(request)
    if body.name:
        for source in file_config.sources:
            if source.name == body.name:
                return source
    kind = known_kind(body.kind)
    options, secrets = split_secrets(kind, {k: v.strip() for k, v in body.values.items()})
    name = body.name or "new-source"
    with request.app.state.db.session() as session:
        try:
            saved = stored_source_config(session, box_of(request), name) if body.name else None
        except (SecretKeyError, SettingsError) as exc:
            raise HTTPException(400, str(exc)) from exc
    kept = {f: str(getattr(saved, f)) for f in SECRET_FIELDS[kind] if saved is not None and getattr(saved, f, None)}
    try:
        return build_source(kind, name, options, {**kept, **secrets})
    except SettingsError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.post("/sources/test", responses=error_responses(413))
async def test_connection(request: Request, principal: Admin, body: ConnectionTest) -> dict[str, Any]:
    """Call the vendor once through the real connector; ``ok`` and one sentence (the vendor's error explained)."""
    source = source_to_test(request, body)
    kwargs = request.app.state.connector_kwargs.get(source.name, {})
    outcome = await check_source(for_test(source), **kwargs)
    return {"ok": outcome.ok, "message": outcome.message, "source": source.name, "kind": source.kind}


def source_named(request: Request, name: str) -> AnySource | None:
    """The settings of source ``name``: the running config's, else as saved in the browser (None if unreadable)."""
    config: Config = request.app.state.config
    for source in config.sources:
        if source.name == name:
            return source
    with request.app.state.db.session() as session:
        try:
            return stored_source_config(session, box_of(request), name)
        except (SecretKeyError, SettingsError):
            return None


def sync_state(request: Request, name: str) -> dict[str, Any]:
    """Where a source's sync stands: waiting, syncing (tickets fetched so far, when this process syncs), done or
    failed with the vendor's error (``error``) and what to do about it (``explanation``)."""
    with request.app.state.db.session() as session:
        row = session.scalar(select(SourceRow).where(SourceRow.name == name))
        # A LibreNMS source stores devices, not tickets; its poll has no running count.
        what = "devices" if row is not None and row.kind == "librenms" else "tickets"
        table, column = (
            (NmsDeviceRow, NmsDeviceRow.source_id) if what == "devices" else (TicketRow, TicketRow.source_id)
        )
        stored = session.scalar(select(func.count()).select_from(table).where(column == row.id)) if row else 0
    scheduler = request.app.state.scheduler
    # The running count lives in the process that syncs: another process (``worker`` next to ``serve
    # --web-only``, or another worker holding the lease) shows its tickets here once its cycle is stored.
    fetched = scheduler.fetched.get(name) if scheduler is not None else None
    here = scheduler is not None and row is not None and row.lease_owner in (None, scheduler.owner)
    state, error, explanation = "waiting", None, None
    if row is not None:
        failed = row.last_error_at is not None and (row.last_ok_at is None or row.last_error_at > row.last_ok_at)
        if failed:
            state, error = "failed", row.last_error
            source = source_named(request, name)
            if error and source is not None:
                explanation = explain_stored(source, error)
        elif row.last_ok_at is not None:
            state = "done"
        elif row.lease_owner is not None or fetched is not None:
            state = "syncing"
    return {
        "source": name,
        "state": state,
        "fetched": fetched,
        "stored": stored or 0,
        "error": error,
        "explanation": explanation or error,
        "what": what,
        "countsLive": fetched is not None or (here and what == "tickets"),
        "lastOkAt": row.last_ok_at.isoformat() if row is not None and row.last_ok_at else None,
    }


@router.get("/sources/{name}/sync", responses=error_responses(described={404: "No source by that name"}))
def get_sync_state(request: Request, principal: Admin, name: str) -> dict[str, Any]:
    """A source's first (or latest) sync: ``state`` waiting | syncing | done | failed, tickets fetched and stored."""
    known = {s.name for s in request.app.state.config.sources} | {s.name for s in file_config_of(request).sources}
    with request.app.state.db.session() as session:
        known |= {s.name for s in stored_sources(session, box_of(request))}
    if name not in known:
        raise HTTPException(404, f"There is no source named {name[:40]!r}.")
    return sync_state(request, name)
