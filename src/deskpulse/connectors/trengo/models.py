"""Pydantic models of the Trengo payloads deskpulse reads (only the fields used).

Reference: https://developers.trengo.com/reference (see docs/connectors/trengo.md for what was verified).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TrengoChannel(_Loose):
    id: int | None = None
    type: str | None = None
    title: str | None = None


class TrengoContact(_Loose):
    id: int | None = None
    name: str | None = None
    full_name: str | None = None
    email: str | None = None


class TrengoTeamRef(_Loose):
    id: int | None = None


class TrengoMessage(_Loose):
    type: str | None = None
    created_at: str | None = None


class TrengoTicket(_Loose):
    id: int
    status: str
    subject: str | None = None
    created_at: str
    updated_at: str | None = None
    assigned_at: str | None = None
    closed_at: str | None = None
    user_id: int | None = None
    team_id: int | None = None
    # Some payloads nest the team instead of giving team_id.
    team: TrengoTeamRef | None = None
    contact_id: int | None = None
    contact: TrengoContact | None = None
    channel: TrengoChannel | None = None
    latest_message: TrengoMessage | None = None


class TrengoTeam(_Loose):
    id: int
    name: str | None = None


class TrengoUser(_Loose):
    id: int
    name: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
