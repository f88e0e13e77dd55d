"""Settings of one ``files`` source: a folder into which another tool drops one JSON file per ticket."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FilesSettings(BaseModel):
    """One folder of ticket files to sync (the normalized format, and the old Freshservice watcher's files)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["files"] = "files"
    # The folder; a relative path is read from the working directory of the deskpulse process.
    path: str = Field(min_length=1)
    # Shell patterns of the file names read (not recursive); ``*.txt`` catches the old watcher's files.
    patterns: list[str] = Field(default_factory=lambda: ["*.json", "*.txt"], min_length=1)
    # Cadences read by the sync engine (same meaning as for the API sources).
    poll_seconds: float = Field(default=30, ge=5, le=3600)
    directory_refresh_seconds: float = Field(default=900, ge=60)
    closed_sweep_seconds: float = Field(default=300, ge=30)
    closed_backfill_days: int = Field(default=90, ge=1, le=730)
    # Time zone of timestamps written without an offset.
    naive_timezone: str = "UTC"
    # Link to the ticket in the other helpdesk, e.g. "https://helpdesk.example/tickets/{id}"; a file's url wins.
    web_url_template: str | None = None
    # Bigger files are reported and held, never read: a runaway export must not exhaust memory.
    max_file_bytes: int = Field(default=1_000_000, ge=1)

    @field_validator("patterns")
    @classmethod
    def _plain_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not pattern.strip() or "/" in pattern or "\\" in pattern:
                raise ValueError(f"pattern {pattern!r} must be a file name pattern such as *.json (no folders)")
        return value

    @field_validator("naive_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("web_url_template")
    @classmethod
    def _only_id_placeholder(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            names = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"web_url_template is not a valid template: {exc}") from exc
        if names != {"id"}:
            raise ValueError("web_url_template must contain {id} and no other placeholder")
        return value

    @property
    def folder(self) -> Path:
        """The folder as an absolute path."""
        return Path(self.path).expanduser().absolute()

    @property
    def base_url(self) -> str:
        """``file://<absolute path>``: how the store and ``deskpulse check`` name this source's origin."""
        return f"file://{self.folder}"
