"""Settings of one LibreNMS source (one install, read through API v0 with one token).

Facts behind the defaults: /work/shared/vendor-api/librenms.md ("Auth", "No pagination, no rate limiting",
"Timestamps"). LibreNMS itself does not throttle v0, so the pacing here protects the install from us.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class LibreNmsSettings(BaseModel):
    """One LibreNMS install to read devices, outages, links and logs from."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["librenms"] = "librenms"
    # The API base including /api/v0, e.g. https://nms.example.net/api/v0
    base_url: str
    # An API token created under /api-access/ in the LibreNMS web UI; sent as X-Auth-Token [D].
    token: str = Field(min_length=1, repr=False)
    # The zone of the naive "YYYY-MM-DD HH:MM:SS" times in raw-SQL rows (the server's PHP/DB zone) [C/I].
    server_timezone: str = "UTC"
    # Our own pacing: at most this many requests in any rolling minute, and this many in flight at once.
    requests_per_minute: int = Field(default=120, ge=1)
    max_concurrency: int = Field(default=4, ge=1, le=32)
    # Cadence of the device poll (and the incremental outage read that follows it).
    poll_seconds: float = Field(default=120, ge=15, le=3600)
    # Every this often the incremental outage read re-reads every device's outages.
    full_sweep_seconds: float = Field(default=3600, ge=300)
    # Outages that ended before this many days ago are dropped from what the connector returns.
    outage_history_days: int = Field(default=400, ge=1, le=3650)
    # A device whose last_polled and last_ping are both older than this reads as status "unknown".
    stale_after_seconds: float = Field(default=900, ge=60)
    # Read device status changes from the event log between full sweeps (catches outages shorter than a poll).
    eventlog_hints: bool = True
    # Rows per event log request (`limit`; LibreNMS's default is 50 [S]).
    eventlog_page_size: int = Field(default=200, ge=1, le=5000)
    timeout_seconds: float = Field(default=30, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with https:// (https://nms.example.net/api/v0)")
        value = value.rstrip("/")
        if not value.endswith("/api/v0"):
            raise ValueError("base_url must end with /api/v0 (https://nms.example.net/api/v0)")
        return value

    @field_validator("server_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
