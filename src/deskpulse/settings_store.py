"""Settings made in the browser, and how they overlay the config file.

The file stays authoritative for what it names: a source defined there cannot be replaced from the browser, and a
``timezone`` or ``[sla]`` hours set there win over the browser's. Everything the file leaves out can be set in
the browser: sources are added next to the file's, the time zone and business hours fill the file's defaults.
Every write bumps the ``revision`` setting, so each process notices a change with one cheap read
(:class:`SettingsOverlay`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import delete, inspect, make_url, select
from sqlalchemy.orm import Session

from deskpulse.config import AnySource, Config
from deskpulse.secret_box import SecretBox, SecretKeyError, mask, missing_key_message
from deskpulse.sla_config import CalendarSettings
from deskpulse.store.db import Database
from deskpulse.store.settings_tables import SettingRow, SourceSettingRow
from deskpulse.store.tables import SourceRow

log = logging.getLogger(__name__)
# Which fields of each kind's settings are secrets: encrypted at rest, never shown again.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "freshservice": ("api_key", "webhook_secret"),
    "trengo": ("token", "webhook_secret"),
    "autotask": ("secret", "integration_code", "webhook_secret"),
    "librenms": ("token",),
    "files": (),
}
KIND_LABELS = {
    "freshservice": "Freshservice", "trengo": "Trengo", "autotask": "Autotask", "librenms": "LibreNMS",
    "files": "Ticket files folder",
}  # fmt: skip
_SOURCE = TypeAdapter(Annotated[AnySource, Field(discriminator="kind")])
REVISION, TIMEZONE, BUSINESS_HOURS = "revision", "timezone", "business_hours"


class SettingsError(Exception):
    """A setting cannot be saved; the message is a sentence for the person who entered it."""


@dataclass(frozen=True, slots=True)
class StoredSource:
    """A source added in the browser, as the settings page shows it (secrets masked)."""

    name: str
    kind: str
    enabled: bool
    options: dict[str, Any]
    masks: dict[str, str]
    updated_at: datetime
    updated_by: str | None


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Time zone and business hours saved in the browser (None: not set there)."""

    timezone: str | None = None
    hours: dict[str, list[str]] | None = None
    holiday_country: str | None = None


@dataclass(slots=True)
class Overlay:
    """Everything the browser saved that reaches the running configuration."""

    desk: DeskSettings = field(default_factory=DeskSettings)
    sources: list[AnySource] = field(default_factory=list)


def _sentence(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"] if p not in ("freshservice", "trengo", "autotask", "librenms"))
        parts.append(f"{where or 'source'}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts) + "."


def build_source(kind: str, name: str, options: dict[str, Any], secrets: dict[str, str]) -> AnySource:
    """The validated settings of one source; SettingsError with the problems in a sentence."""
    if kind not in SECRET_FIELDS:
        raise SettingsError(f"Unknown source kind {kind!r}; choose one of {', '.join(KIND_LABELS.values())}.")
    try:
        return _SOURCE.validate_python({**options, **secrets, "name": name, "kind": kind})
    except ValidationError as exc:
        raise SettingsError(_sentence(exc)) from exc


def split_secrets(kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(options, secrets) of one source's submitted fields; empty values are left out of both."""
    secret_names = SECRET_FIELDS.get(kind, ())
    options = {k: v for k, v in values.items() if k not in secret_names and v not in ("", None)}
    secrets = {k: str(v) for k, v in values.items() if k in secret_names and v not in ("", None)}
    return options, secrets


def revision(session: Session) -> int:
    """The settings revision: bumped by every write, so processes can tell when to re-read."""
    row = session.get(SettingRow, REVISION)
    return int(row.value) if row is not None else 0


def _put(session: Session, key: str, value: Any, actor: str | None, now: datetime) -> None:
    row = session.get(SettingRow, key)
    if row is None:
        session.add(SettingRow(key=key, value=value, updated_at=now, updated_by=actor))
    else:
        row.value, row.updated_at, row.updated_by = value, now, actor


def _bump(session: Session, actor: str | None, now: datetime) -> None:
    _put(session, REVISION, revision(session) + 1, actor, now)


def _secrets_of(row: SourceSettingRow, box: SecretBox | None) -> dict[str, str]:
    if not row.secrets:
        return {}
    if box is None:
        raise SecretKeyError(missing_key_message())
    return box.decrypt(row.secrets)


def stored_sources(session: Session, box: SecretBox | None) -> list[StoredSource]:
    """Every browser-added source, secrets masked (just ``••••`` while the key is missing or wrong)."""
    found = []
    for row in session.scalars(select(SourceSettingRow).order_by(SourceSettingRow.name)):
        try:
            secrets = _secrets_of(row, box)
            masks = {k: mask(v) for k, v in secrets.items()}
        except SecretKeyError:
            masks = dict.fromkeys(SECRET_FIELDS.get(row.kind, ()), mask(""))
        found.append(StoredSource(row.name, row.kind, row.enabled, dict(row.options), masks, row.updated_at,
                                  row.updated_by))  # fmt: skip
    return found


def stored_source_config(session: Session, box: SecretBox | None, name: str) -> AnySource | None:
    """The full settings (secrets decrypted) of a browser-added source, for a connection test; None if absent."""
    row = session.scalar(select(SourceSettingRow).where(SourceSettingRow.name == name))
    if row is None:
        return None
    return build_source(row.kind, row.name, dict(row.options), _secrets_of(row, box))


def save_source(
    session: Session,
    box: SecretBox | None,
    *,
    name: str,
    kind: str,
    values: dict[str, Any],
    actor: str | None,
    now: datetime,
    file_names: set[str],
) -> AnySource:
    """Add or change a browser source. An empty secret field keeps the saved secret; the file's names are taken."""
    if name in file_names:
        raise SettingsError(
            f"A source named {name!r} is defined in deskpulse.toml; change it there or pick another name."
        )
    row = session.scalar(select(SourceSettingRow).where(SourceSettingRow.name == name))
    if row is not None and row.kind != kind:
        raise SettingsError(f"Source {name!r} is a {KIND_LABELS[row.kind]} source; remove it first to change its kind.")
    options, secrets = split_secrets(kind, values)
    kept = _secrets_of(row, box) if row is not None else {}
    merged = {**kept, **secrets}
    built = build_source(kind, name, options, merged)
    if merged and box is None:
        raise SettingsError(missing_key_message())
    token = box.encrypt(merged) if merged and box is not None else None
    if row is None:
        row = SourceSettingRow(name=name, kind=kind, enabled=True, created_at=now)
        session.add(row)
    row.options, row.secrets, row.updated_at, row.updated_by = options, token, now, actor
    _bump(session, actor, now)
    return built


def set_enabled(session: Session, name: str, enabled: bool, *, actor: str | None, now: datetime) -> bool:
    """Enable or disable a browser source (a disabled one is not synced); False when there is none."""
    row = session.scalar(select(SourceSettingRow).where(SourceSettingRow.name == name))
    if row is None:
        return False
    row.enabled, row.updated_at, row.updated_by = enabled, now, actor
    _bump(session, actor, now)
    return True


def remove_source(session: Session, name: str, *, delete_tickets: bool, actor: str | None, now: datetime) -> bool:
    """Forget a browser source. Its stored tickets stay (their history, reports) unless ``delete_tickets``."""
    row = session.scalar(select(SourceSettingRow).where(SourceSettingRow.name == name))
    if row is None:
        return False
    session.delete(row)
    if delete_tickets:
        # Tickets, teams, agents, snapshots and logs of the source go with its row (ON DELETE CASCADE).
        session.execute(delete(SourceRow).where(SourceRow.name == name))
    _bump(session, actor, now)
    return True


def desk_settings(session: Session) -> DeskSettings:
    """The time zone and business hours saved in the browser."""
    zone = session.get(SettingRow, TIMEZONE)
    hours = session.get(SettingRow, BUSINESS_HOURS)
    calendar = hours.value if hours is not None and isinstance(hours.value, dict) else {}
    return DeskSettings(
        timezone=zone.value if zone is not None else None,
        hours=calendar.get("hours"),
        holiday_country=calendar.get("holiday_country"),
    )


def save_desk_settings(
    session: Session, *, timezone: str, hours: dict[str, list[str]], holiday_country: str | None,
    actor: str | None, now: datetime,
) -> None:  # fmt: skip
    """Save the time zone and business hours after checking them the way ``[sla]`` is checked."""
    try:
        CalendarSettings(timezone=timezone, hours=hours, holiday_country=holiday_country or None).build(timezone)
    except (ValueError, ValidationError) as exc:
        detail = _sentence(exc) if isinstance(exc, ValidationError) else f"{exc}."
        raise SettingsError(f"These business hours cannot be used: {detail}") from exc
    _put(session, TIMEZONE, timezone, actor, now)
    _put(session, BUSINESS_HOURS, {"hours": hours, "holiday_country": holiday_country or None}, actor, now)
    _bump(session, actor, now)


def read_overlay(session: Session, box: SecretBox | None) -> Overlay:
    """What the browser saved, with the secrets of enabled sources decrypted (SecretKeyError: key missing/wrong)."""
    sources: list[AnySource] = []
    for row in session.scalars(select(SourceSettingRow).where(SourceSettingRow.enabled.is_(True))):
        secrets = _secrets_of(row, box)
        try:
            sources.append(build_source(row.kind, row.name, dict(row.options), secrets))
        except SettingsError as exc:  # e.g. saved by an older version whose fields have changed
            log.warning("source %s saved in the browser is not used: %s", row.name, exc)
    return Overlay(desk_settings(session), sources)


def effective_config(file_config: Config, overlay: Overlay) -> Config:
    """``file_config`` with the browser's settings laid over it; whatever the file itself names wins."""
    file_names = {s.name for s in file_config.sources}
    extra = [s for s in overlay.sources if s.name not in file_names]
    update: dict[str, Any] = {}
    if extra:
        update["sources"] = [*file_config.sources, *extra]
    desk = overlay.desk
    if desk.timezone and "timezone" not in file_config.model_fields_set:
        update["timezone"] = desk.timezone
    sla: dict[str, Any] = {}
    if desk.hours is not None and "hours" not in file_config.sla.model_fields_set:
        sla["hours"] = desk.hours
    if desk.holiday_country and "holiday_country" not in file_config.sla.model_fields_set:
        sla["holiday_country"] = desk.holiday_country
    if sla:
        update["sla"] = file_config.sla.model_copy(update=sla)
    if not update:
        return file_config
    merged = file_config.model_copy(update=update)
    merged._sla_policy = None  # built again, lazily, from the merged calendar
    return merged


def has_settings_tables(db: Database) -> bool:
    """False on a store not yet migrated to 0014 (nothing can have been saved in the browser)."""
    return bool(inspect(db.engine).has_table("source_settings"))


class SettingsOverlay:
    """The effective configuration of this process, re-read whenever another process saved settings."""

    def __init__(self, file_config: Config, db: Database, box: SecretBox | None) -> None:
        self.file_config = file_config
        self.db = db
        self.box = box
        self._lock = threading.Lock()
        self._revision: int | None = None
        self._config = file_config

    def current(self) -> Config:
        """The effective config; one small read when nothing changed. SecretKeyError when secrets are unreadable."""
        with self._lock:
            with self.db.session() as session:
                seen = revision(session)
                if seen != self._revision:
                    self._config = effective_config(self.file_config, read_overlay(session, self.box))
                    self._revision = seen
            return self._config


def with_browser_settings(config: Config) -> Config:
    """``config`` overlaid with the settings saved in its store (for the CLI); SecretKeyError when saved secrets
    cannot be read with the current ``DESKPULSE_SECRET_KEY``."""
    from deskpulse.secret_box import box_from_environment

    url = make_url(config.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return config  # no store yet, so nothing saved in it; and do not create one just to look
    db = Database(config.database_url)
    try:
        if not has_settings_tables(db):
            return config
        return SettingsOverlay(config, db, box_from_environment()).current()
    finally:
        db.dispose()
