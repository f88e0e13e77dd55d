"""Trengo payloads -> domain objects. Pure functions: no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from deskpulse.connectors.trengo.models import TrengoTeam, TrengoTicket, TrengoUser
from deskpulse.domain.tickets import Agent, StatusCategory, Team, Ticket

STATUS_MAP: dict[str, tuple[str, StatusCategory]] = {
    "OPEN": ("New", StatusCategory.NEW),
    "ASSIGNED": ("Assigned", StatusCategory.ASSIGNED),
    "CLOSED": ("Closed", StatusCategory.CLOSED),
    # INVALID is undocumented; it behaves like spam: not active, never counted as open work.
    "INVALID": ("Invalid", StatusCategory.CLOSED),
}


def parse_timestamp(value: str | None, naive_zone: tzinfo = UTC) -> datetime | None:
    """Parse Trengo's naive ``YYYY-MM-DD HH:MM:SS`` (read in ``naive_zone``) or ISO ``...Z`` strings to UTC."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(UTC)


def _str_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def map_ticket(raw: TrengoTicket, *, naive_zone: tzinfo = UTC, web_base: str | None = None) -> Ticket:
    """Map one Trengo ticket to the normalized Ticket."""
    label, category = STATUS_MAP.get(raw.status.upper(), (raw.status.title(), StatusCategory.OPEN))
    team_id = raw.team_id if raw.team_id is not None else (raw.team.id if raw.team else None)
    created = parse_timestamp(raw.created_at, naive_zone)
    if created is None:  # pragma: no cover - pydantic requires created_at
        raise ValueError("ticket without created_at")
    contact = raw.contact
    requester_name = (contact.full_name or contact.name) if contact else None
    latest = raw.latest_message.created_at if raw.latest_message else None
    latest_at = parse_timestamp(latest, naive_zone)
    # Only the latest message is listed: it tells who wrote last (INBOUND = the contact, OUTBOUND = an agent).
    kind = (raw.latest_message.type or "").upper() if raw.latest_message else ""
    return Ticket(
        external_id=str(raw.id),
        number=str(raw.id),
        subject=raw.subject,
        status_raw=raw.status,
        status_label=label,
        status_category=category,
        channel=(raw.channel.type if raw.channel else None),
        team_external_id=_str_id(team_id),
        agent_external_id=_str_id(raw.user_id),
        requester_external_id=_str_id(raw.contact_id),
        requester_name=requester_name,
        requester_email=(contact.email.strip().lower() if contact and contact.email else None),
        created_at=created,
        updated_at=parse_timestamp(raw.updated_at, naive_zone),
        assigned_at=parse_timestamp(raw.assigned_at, naive_zone),
        closed_at=parse_timestamp(raw.closed_at, naive_zone),
        last_activity_at=latest_at,
        agent_responded_at=latest_at if kind == "OUTBOUND" else None,
        requester_responded_at=latest_at if kind == "INBOUND" else None,
        url=f"{web_base}/tickets/{raw.id}" if web_base else None,
    )


def map_team(raw: TrengoTeam) -> Team:
    """Map a Trengo team."""
    return Team(external_id=str(raw.id), name=raw.name or f"Team {raw.id}")


def map_user(raw: TrengoUser) -> Agent:
    """Map a Trengo user (an agent)."""
    joined = " ".join(p for p in (raw.first_name, raw.last_name) if p)
    name = raw.full_name or raw.name or joined or f"User {raw.id}"
    return Agent(external_id=str(raw.id), name=name, email=raw.email)


def web_base_url(api_base: str) -> str | None:
    """The Trengo web app URL for links (``https://app.trengo.com``), derived from the API base."""
    suffix = "/api/v2"
    return api_base[: -len(suffix)] if api_base.endswith(suffix) else None
