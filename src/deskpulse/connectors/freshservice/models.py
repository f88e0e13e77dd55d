"""Pydantic models of the Freshservice payloads deskpulse reads (only the fields used).

Reference: https://api.freshservice.com/ (attribute tables); see /work/shared/vendor-api/freshservice.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FsStats(_Loose):
    """``include=stats``; ``first_assigned_at``/``assigned_at`` are often null even on assigned tickets."""

    first_responded_at: str | None = None
    agent_responded_at: str | None = None
    requester_responded_at: str | None = None
    resolved_at: str | None = None
    closed_at: str | None = None
    first_assigned_at: str | None = None
    assigned_at: str | None = None


class FsPerson(_Loose):
    """A requester (``include=requester`` or ``GET /requesters``) or an agent."""

    id: int | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    primary_email: str | None = None

    @property
    def display_name(self) -> str | None:
        """``name``, else first + last name."""
        joined = " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.name or joined or None

    @property
    def address(self) -> str | None:
        """The e-mail address, lower-cased."""
        value = self.email or self.primary_email
        return value.strip().lower() if value and value.strip() else None


class FsTicket(_Loose):
    id: int
    subject: str | None = None
    description_text: str | None = None
    status: int
    priority: int | None = None
    source: int | None = None
    type: str | None = None
    workspace_id: int | None = None
    department_id: int | None = None
    category: str | None = None
    group_id: int | None = None
    responder_id: int | None = None
    requester_id: int | None = None
    due_by: str | None = None
    fr_due_by: str | None = None
    created_at: str
    updated_at: str | None = None
    deleted: bool = False
    spam: bool = False
    stats: FsStats | None = None
    requester: FsPerson | None = None


class FsGroup(_Loose):
    id: int
    name: str | None = None


class FsAgent(FsPerson):
    id: int
