"""The ``[reports]`` section: branding, sender, schedule and each client's recipients and language."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["en", "nl"]
_SCHEDULE = re.compile(r"^(\d{1,2}) ([01]\d|2[0-3]):([0-5]\d)$")
_COLOUR = r"^#[0-9a-fA-F]{6}$"


class ReportRecipients(BaseModel):
    """Who receives one client's report (To, Cc) and in which language it is written."""

    model_config = ConfigDict(extra="forbid")

    client: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    language: Language | None = None

    @field_validator("to", "cc")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        cleaned = [a.strip() for a in value if a.strip()]
        for address in cleaned:
            if "@" not in address or any(c in address for c in "\r\n,;<>"):
                raise ValueError(f"{address!r} is not a plain e-mail address")
        return cleaned


class ReportsConfig(BaseModel):
    """Monthly client reports."""

    model_config = ConfigDict(extra="forbid")

    # Shown in the header of every report; the logo is a PNG, JPEG or SVG file on this server.
    company_name: str = Field(default="Service desk", max_length=200)
    logo_file: str = ""
    primary_colour: str = Field(default="#1e3a8a", pattern=_COLOUR)
    accent_colour: str = Field(default="#0f766e", pattern=_COLOUR)
    footer_text: str = Field(default="", max_length=1000)
    # Empty: the [smtp] from_address.
    from_address: str = ""
    # Gets a copy of every report sent (Bcc), e.g. the account managers' shared mailbox.
    internal_copy: str = ""
    # "D HH:MM": day of the month (1-28) and local time at which last month's reports go out; empty: never.
    schedule: str = ""
    language: Language = "en"
    send_attempts: int = Field(default=3, ge=1, le=10)
    retry_seconds: float = Field(default=30, ge=0, le=3600)
    # Before its figures, a run fetches the vendor details it needs (time entries, CSAT, replies) that are not in
    # the store yet, spending at most this many requests per source; 0: use only what the store already holds.
    details_max_requests: int = Field(default=2000, ge=0)
    recipients: list[ReportRecipients] = Field(default_factory=list)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        value = value.strip()
        if value and parse_schedule(value) is None:
            raise ValueError('schedule must be "D HH:MM" with D the day of the month 1-28, e.g. "2 08:00"')
        return value

    def recipients_of(self, client_key: str) -> ReportRecipients:
        """The recipients entry of ``client_key`` (an empty one when it has none)."""
        for entry in self.recipients:
            if entry.client == client_key:
                return entry
        return ReportRecipients(client=client_key)

    def language_of(self, client_key: str) -> Language:
        """The language of ``client_key``'s reports."""
        return self.recipients_of(client_key).language or self.language

    def unknown_clients(self, known: list[str]) -> list[str]:
        """Sentences about recipients entries naming clients that are not configured."""
        unknown = sorted({r.client for r in self.recipients} - set(known))
        return (
            [f"reports.recipients names clients that are not in [[clients]]: {', '.join(unknown)}"] if unknown else []
        )


def parse_schedule(text: str) -> tuple[int, int, int] | None:
    """(day, hour, minute) of a ``"D HH:MM"`` schedule, or None when it is not one (days 1-28 only)."""
    match = _SCHEDULE.match(text.strip())
    if match is None:
        return None
    day, hour, minute = (int(g) for g in match.groups())
    return (day, hour, minute) if 1 <= day <= 28 else None
