"""Settings saved in the browser overlay the config file: the file wins for what it names, the browser fills the
rest; secrets are stored encrypted; removing a source keeps its tickets unless asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from deskpulse.config import Config
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.secret_box import SecretBox, SecretKeyError
from deskpulse.settings_store import (
    DeskSettings,
    Overlay,
    SettingsError,
    SettingsOverlay,
    desk_settings,
    effective_config,
    read_overlay,
    remove_source,
    revision,
    save_desk_settings,
    save_source,
    set_enabled,
    stored_sources,
)
from deskpulse.store.db import Database
from deskpulse.store.settings_tables import SourceSettingRow
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import SourceRow
from support import source_config

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
BOX = SecretBox("a" * 40)
FS = {"base_url": "https://acme.freshservice.com/api/v2", "api_key": "fs-key-0123456789abcd", "plan": "growth"}
BUSINESS = {"mon": ["08:00-18:00"], "sat": ["10:00-14:00"]}


def fs(name: str = "fs") -> FreshserviceSettings:
    return FreshserviceSettings(name=name, base_url=FS["base_url"], api_key="k")


def save(db: Database, name: str = "fs", values: dict[str, str] | None = None, box: SecretBox | None = BOX,
         file_names: set[str] | None = None) -> None:  # fmt: skip
    with db.session() as session:
        save_source(session, box, name=name, kind="freshservice", values=values or FS, actor="ada@example.test",
                    now=NOW, file_names=file_names or set())  # fmt: skip


def test_a_source_defined_in_the_file_wins_over_one_of_the_same_name() -> None:
    file_config = Config(sources=[source_config("desk")])
    overlay = Overlay(sources=[fs("desk"), fs("extra")])
    merged = effective_config(file_config, overlay)
    assert [(s.name, s.kind) for s in merged.sources] == [("desk", "trengo"), ("extra", "freshservice")]
    assert [s.name for s in merged.ticket_sources] == ["desk", "extra"]


def test_the_files_time_zone_and_hours_win_and_the_browser_fills_what_the_file_leaves_out() -> None:
    browser = Overlay(DeskSettings(timezone="Asia/Tokyo", hours=BUSINESS, holiday_country="NL"))
    silent = effective_config(Config(), browser)
    assert silent.timezone == "Asia/Tokyo" and silent.sla.hours == BUSINESS and silent.sla.holiday_country == "NL"
    assert str(silent.sla_policy.calendar.tz) == "Asia/Tokyo"  # the SLA clocks run on the merged calendar
    explicit = Config.model_validate({"timezone": "Europe/London", "sla": {"hours": {"fri": ["09:00-12:00"]}}})
    kept = effective_config(explicit, browser)
    assert kept.timezone == "Europe/London" and kept.sla.hours == {"fri": ["09:00-12:00"]}
    assert kept.sla.holiday_country == "NL"  # the file did not name it


def test_with_nothing_saved_the_file_config_is_used_as_it_is() -> None:
    file_config = Config(sources=[source_config("desk")])
    assert effective_config(file_config, Overlay()) is file_config


def test_secrets_are_stored_encrypted_and_only_masked_on_the_way_out(db: Database) -> None:
    save(db)
    with db.engine.connect() as conn:
        raw = " ".join(str(v) for v in conn.execute(text("SELECT * FROM source_settings")).one())
    assert "0123456789abcd" not in raw and "acme.freshservice.com" in raw
    with db.session() as session:
        (shown,) = stored_sources(session, BOX)
        assert shown.masks == {"api_key": "••••abcd"} and "api_key" not in shown.options
        assert read_overlay(session, BOX).sources[0].api_key == FS["api_key"]  # type: ignore[union-attr]


def test_an_empty_secret_field_keeps_the_saved_secret(db: Database) -> None:
    save(db)
    save(db, values=FS | {"api_key": "", "plan": "pro"})
    with db.session() as session:
        (source,) = read_overlay(session, BOX).sources
    assert isinstance(source, FreshserviceSettings) and source.api_key == FS["api_key"] and source.plan == "pro"


def test_a_new_source_needs_its_secret_and_a_valid_url(db: Database) -> None:
    with pytest.raises(SettingsError, match="api_key: Field required"):
        save(db, values=FS | {"api_key": ""})
    with pytest.raises(SettingsError, match="base_url must start with https://"):
        save(db, values=FS | {"base_url": "acme.freshservice.com"})
    with pytest.raises(SettingsError, match="name: String should match pattern"):
        save(db, name="Bad Name")


def test_a_name_taken_by_the_file_cannot_be_saved_in_the_browser(db: Database) -> None:
    with pytest.raises(SettingsError, match=r"defined in deskpulse\.toml"):
        save(db, file_names={"fs"})


def test_credentials_cannot_be_saved_without_a_secret_key(db: Database) -> None:
    with pytest.raises(SettingsError, match="DESKPULSE_SECRET_KEY, which is not set"):
        save(db, box=None)


def test_saved_secrets_without_the_key_or_with_another_key_stop_with_a_clear_error(db: Database) -> None:
    save(db)
    with db.session() as session, pytest.raises(SecretKeyError, match="DESKPULSE_SECRET_KEY, which is not set"):
        read_overlay(session, None)
    with db.session() as session, pytest.raises(SecretKeyError, match="is not the key"):
        read_overlay(session, SecretBox("b" * 40))


def test_a_disabled_source_leaves_the_effective_config(db: Database) -> None:
    save(db)
    overlay = SettingsOverlay(Config(), db, BOX)
    assert [s.name for s in overlay.current().sources] == ["fs"]
    with db.session() as session:
        set_enabled(session, "fs", False, actor=None, now=NOW)
    assert overlay.current().sources == []


def test_every_write_bumps_the_revision_other_processes_watch(db: Database) -> None:
    with db.session() as session:
        before = revision(session)
    save(db)
    with db.session() as session:
        save_desk_settings(session, timezone="UTC", hours=BUSINESS, holiday_country=None, actor=None, now=NOW)
        assert revision(session) == before + 2
        assert desk_settings(session) == DeskSettings("UTC", BUSINESS, None)


def test_unusable_business_hours_are_refused_with_the_reason(db: Database) -> None:
    with db.session() as session, pytest.raises(SettingsError, match="cannot be used"):
        save_desk_settings(session, timezone="UTC", hours={"mon": ["17:00-09:00"]}, holiday_country=None,
                           actor=None, now=NOW)  # fmt: skip


def test_removing_a_source_keeps_its_stored_tickets_unless_asked(db: Database) -> None:
    save(db, "keep")
    save(db, "purge")
    with db.session() as session:
        for name in ("keep", "purge"):
            ensure_source(session, fs(name))
    with db.session() as session:
        assert remove_source(session, "keep", delete_tickets=False, actor=None, now=NOW)
        assert remove_source(session, "purge", delete_tickets=True, actor=None, now=NOW)
        assert not remove_source(session, "never-there", delete_tickets=True, actor=None, now=NOW)
    with db.session() as session:
        assert session.scalars(select(SourceSettingRow.name)).all() == []
        assert session.scalars(select(SourceRow.name)).all() == ["keep"]


def test_options_are_plain_json_without_any_secret(db: Database) -> None:
    save(db)
    with db.session() as session:
        row = session.scalar(select(SourceSettingRow))
        assert row is not None
        assert json.loads(json.dumps(row.options)) == {"base_url": FS["base_url"], "plan": "growth"}
