"""Settings made in the browser (wizard and /settings): desk-wide values and the sources added there.

They overlay the config file (``deskpulse.settings_store``); secrets live only in ``source_settings.secrets``, as
one Fernet token per source (``deskpulse.secret_box``), never in ``options``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from deskpulse.store.tables import Base, UTCDateTime


class SettingRow(Base):
    """One desk-wide setting (``timezone``, ``business_hours``, ``revision``) as a JSON value."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(320))


class SourceSettingRow(Base):
    """A source added in the browser: its kind, its non-secret options and its encrypted secrets."""

    __tablename__ = "source_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[Any] = mapped_column(JSON, nullable=False)
    # A Fernet token holding {field: secret}; None for kinds without secrets (a folder of ticket files).
    secrets: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(320))
