"""Settings of one Freshservice source, and the per-minute limits of each Freshservice plan.

Plan figures: https://api.freshservice.com/#rate_limit and the official change notice quoted in
/work/shared/vendor-api/freshservice.md ("Rate limits" table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskpulse.domain.tickets import StatusCategory

Plan = Literal["starter", "growth", "pro", "enterprise"]


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """Per-minute, account-wide limits of one plan: the total and the per-operation sub-limits."""

    total: int
    list_tickets: int
    view_ticket: int
    list_people: int  # "List Agents / Requesters"


# Blossom/Garden/Estate/Forest were renamed Starter/Growth/Pro/Enterprise; the figures did not change.
PLAN_LIMITS: dict[str, PlanLimits] = {
    "starter": PlanLimits(total=100, list_tickets=40, view_ticket=50, list_people=40),
    "growth": PlanLimits(total=200, list_tickets=70, view_ticket=80, list_people=70),
    "pro": PlanLimits(total=400, list_tickets=120, view_ticket=140, list_people=120),
    "enterprise": PlanLimits(total=500, list_tickets=140, view_ticket=160, list_people=140),
}


class FreshserviceSettings(BaseModel):
    """One Freshservice account (optionally one workspace of it) to sync."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["freshservice"] = "freshservice"
    # https://<domain>.freshservice.com/api/v2 — v2 does not work through custom CNAMEs.
    base_url: str
    api_key: str = Field(min_length=1, repr=False)
    # Without it only the primary workspace is returned; 0 means all workspaces (FreshservicePS 0.1.4).
    workspace_id: int | None = Field(default=None, ge=0)
    plan: Plan = "starter"
    # Override the plan's figures (e.g. an account still on per-hour limits, or a negotiated limit).
    requests_per_minute: int | None = Field(default=None, ge=1)
    list_requests_per_minute: int | None = Field(default=None, ge=1)
    budget_share: float = Field(default=0.8, gt=0, le=1)
    # Extra credits per embedded resource (`include=stats`): sources quote 1, 2 or 3; 1 is the documented SHOW cost.
    include_credit_cost: int = Field(default=1, ge=0, le=5)
    include_requester: bool = False
    sync_requesters: bool = True
    timeout_seconds: float = Field(default=20, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    # The updated_since watermark is moved back by this much to cover clock skew and late indexing.
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)
    # Status code -> category, winning over the built-in table and the name heuristics.
    status_map: dict[int, StatusCategory] = Field(default_factory=dict)
    status_cache_seconds: float = Field(default=900, ge=0)
    # Cadences read by the sync engine (same meaning as for Trengo sources).
    poll_seconds: float = Field(default=60, ge=5, le=3600)
    directory_refresh_seconds: float = Field(default=900, ge=60)
    closed_sweep_seconds: float = Field(default=300, ge=30)
    closed_backfill_days: int = Field(default=90, ge=1, le=730)
    # Between reconciliations a cycle reads only what changed (updated_since); a reconciliation re-reads the whole
    # active set, which also catches deletions (the changed list never shows deleted tickets [D]).
    reconcile_seconds: float = Field(default=3600, ge=60)
    # Shared secret the Workflow Automator webhook sends as X-Deskpulse-Secret; None: /hooks/freshservice/<name>
    # answers 404. Compared as is (Freshservice does not sign), so it must be long.
    webhook_secret: str | None = Field(default=None, min_length=16, repr=False)

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with https:// (https://<domain>.freshservice.com/api/v2)")
        return value.rstrip("/")

    @property
    def limits(self) -> PlanLimits:
        """The plan's limits with the configured overrides applied."""
        plan = PLAN_LIMITS[self.plan]
        total = self.requests_per_minute or plan.total
        lists = self.list_requests_per_minute or plan.list_tickets
        return PlanLimits(
            total=total,
            list_tickets=min(lists, total),
            view_ticket=min(plan.view_ticket, total),
            list_people=min(self.list_requests_per_minute or plan.list_people, total),
        )

    @property
    def web_base(self) -> str | None:
        """``https://<domain>.freshservice.com`` for ticket links, derived from the API base."""
        suffix = "/api/v2"
        return self.base_url[: -len(suffix)] if self.base_url.endswith(suffix) else None
