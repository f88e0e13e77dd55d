"""Settings of one Autotask PSA source (one Autotask database, read through one API-only user).

Facts behind the defaults: /work/shared/vendor-api/autotask.md ("Zone discovery", "Auth headers", "Limits").
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskpulse.domain.tickets import Priority, StatusCategory

ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"


class AutotaskSettings(BaseModel):
    """One Autotask database to sync. The API user must have the API-only security level [D]."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["autotask"] = "autotask"
    # The API user's user name (an e-mail address); also the key of the zone lookup.
    username: str = Field(min_length=1)
    secret: str = Field(min_length=1, repr=False)
    # The integration's tracking identifier (header ApiIntegrationCode).
    integration_code: str = Field(min_length=1, repr=False)
    zone_lookup_url: str = ZONE_LOOKUP_URL
    # Skip zone discovery: the API base, e.g. https://webservices5.autotask.net/ATServicesRest/V1.0
    base_url: str | None = None
    # 10,000 requests per rolling hour per database, shared by every integration [D]; we take budget_share of it.
    requests_per_hour: int = Field(default=10_000, ge=1)
    budget_share: float = Field(default=0.5, gt=0, le=1)
    # The vendor allows 3 concurrent requests per tracking identifier and endpoint [D].
    max_concurrent_per_endpoint: int = Field(default=3, ge=1, le=3)
    poll_seconds: float = Field(default=60, ge=5, le=3600)
    directory_refresh_seconds: float = Field(default=900, ge=60)
    closed_sweep_seconds: float = Field(default=300, ge=30)
    closed_backfill_days: int = Field(default=90, ge=1, le=730)
    # Between reconciliations a cycle reads only tickets whose lastActivityDate moved; a reconciliation re-reads
    # the whole open set, which is also when deleted tickets leave it.
    reconcile_seconds: float = Field(default=3600, ge=60)
    # The lastActivityDate watermark is moved back by this much (clock skew, writes committed late).
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)
    timeout_seconds: float = Field(default=30, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    # The REST API returns UTC [D]; timestamps without a zone are read in this zone (keep UTC unless proven wrong).
    naive_timezone: str = "UTC"
    # Status code -> category, winning over the name heuristics (codes are tenant-specific).
    status_map: dict[int, StatusCategory] = Field(default_factory=dict)
    # Priority code -> priority, winning over the name heuristics.
    priority_map: dict[int, Priority] = Field(default_factory=dict)
    picklist_cache_seconds: float = Field(default=900, ge=0)
    # Resource to act as on writes (header ImpersonationResourceId [C]); None writes as the API user.
    impersonation_resource_id: int | None = Field(default=None, ge=0)
    # The webhook's SecretKey (<= 64 characters [D]; Autotask advises >= 10); None: /hooks/autotask/<name> is 404.
    webhook_secret: str | None = Field(default=None, min_length=10, max_length=64, repr=False)

    @field_validator("zone_lookup_url")
    @classmethod
    def _check_lookup(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("zone_lookup_url must start with https://")
        return value.rstrip("/")

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with https:// (https://webservicesN.autotask.net/ATServicesRest)")
        return api_base(value)

    @field_validator("naive_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


def api_base(url: str) -> str:
    """The v1.0 API base for a zone url: doubled slashes removed [C], ``/V1.0`` appended unless present [C]."""
    scheme, sep, rest = url.strip().partition("://")
    host, _, path = rest.partition("/")
    segments = [s for s in path.split("/") if s]
    if not segments or segments[-1].lower() != "v1.0":
        segments.append("V1.0")
    return f"{scheme}{sep}{host}/{'/'.join(segments)}"
