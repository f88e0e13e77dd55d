"""Silences created in the UI or through the API: stored with who created them and why, listed, and expired
early. They work exactly like the ``[[alerts.silences]]`` of the config file (which keep working and are listed
read-only): alerts they cover are recorded but notify no one while the silence lasts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from deskpulse.alerts.settings import Silence
from deskpulse.sentences import N_, Sentence
from deskpulse.store.alerts_tables import AlertSilenceRow

# Expired and ended silences stay listed this long; older ones remain in the store as history.
RECENT_LIMIT = 50
COMMENT_MAX = 500


class SilenceNotFound(LookupError):
    """No stored silence has that id."""


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    """A new silence as a person asked for it; ``start`` None means now."""

    rule: str | None
    client: str | None
    source: str | None
    start: datetime | None
    end: datetime
    comment: str


def _as_silence(row: AlertSilenceRow) -> Silence:
    return Silence(rule=row.rule_id, client=row.client_key, source=row.source, start=row.starts_at,
                   end=row.ends_at, reason=row.comment)  # fmt: skip


def stored_silences(session: Session, now: datetime) -> list[Silence]:
    """Stored silences in force now or later (not expired), as the lifecycle applies them."""
    rows = session.scalars(
        select(AlertSilenceRow)
        .where(AlertSilenceRow.expired_at.is_(None), AlertSilenceRow.ends_at > now)
        .order_by(AlertSilenceRow.id)
    )
    return [_as_silence(row) for row in rows]


# Per filter: the sentence when the name is unknown, with the known names / when none is configured.
_UNKNOWN = {
    "rule": (N_("There is no rule %(name)s; known: %(known)s."), N_("There is no rule %(name)s; there are none.")),
    "client": (
        N_("There is no client %(name)s; known: %(known)s."), N_("There is no client %(name)s; none is configured."),
    ),
    "source": (
        N_("There is no source %(name)s; known: %(known)s."), N_("There is no source %(name)s; none is configured."),
    ),
}  # fmt: skip
_NEEDS_OFFSET = {
    "start": N_("The start needs a time zone offset, e.g. 2026-11-18T22:00:00+01:00."),
    "end": N_("The end needs a time zone offset, e.g. 2026-11-18T22:00:00+01:00."),
}


def problems_with(
    request: SilenceRequest, now: datetime, *, rules: Iterable[str], clients: Iterable[str], sources: Iterable[str]
) -> list[Sentence]:
    """Sentences on why ``request`` cannot be saved (unknown names, a time range that is over or reversed);
    ``str()`` of each is English, pages translate them."""
    problems = []
    for what, value, known in (("rule", request.rule, rules), ("client", request.client, clients),
                               ("source", request.source, sources)):  # fmt: skip
        names = sorted(set(known))
        if value is not None and value not in names:
            listed, empty = _UNKNOWN[what]
            problems.append(Sentence(listed if names else empty, {"name": repr(value), "known": ", ".join(names)}))
    for label, moment in (("start", request.start), ("end", request.end)):
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            problems.append(Sentence(_NEEDS_OFFSET[label]))
    if not problems:
        if request.end <= now:
            problems.append(Sentence(N_("That time range is already over; a silence must end in the future.")))
        elif request.start is not None and request.end <= request.start:
            problems.append(Sentence(N_("A silence must end after it starts.")))
    if not request.comment.strip():
        problems.append(Sentence(N_("Say why in a comment: the people who get no notifications will want to know.")))
    elif len(request.comment.strip()) > COMMENT_MAX:
        problems.append(Sentence(N_("Keep the comment to %(max)d characters."), {"max": COMMENT_MAX}))
    return problems


def create_silence(session: Session, request: SilenceRequest, *, by: str, now: datetime) -> AlertSilenceRow:
    """Store a silence (check it with :func:`problems_with` first); in force from the next evaluation."""
    row = AlertSilenceRow(
        rule_id=request.rule, client_key=request.client, source=request.source, starts_at=request.start or now,
        ends_at=request.end, comment=request.comment.strip(), created_by=by, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def expire_silence(session: Session, silence_id: int, *, by: str, now: datetime) -> AlertSilenceRow:
    """End a stored silence now (one that has not started yet never will); expiring it again changes nothing."""
    row = session.get(AlertSilenceRow, silence_id, with_for_update=True)
    if row is None:
        raise SilenceNotFound(f"Silence {silence_id} was not found.")
    if row.expired_at is None and row.ends_at > now:
        row.expired_at, row.expired_by = now, by
        row.ends_at = max(now, row.starts_at)
    return row


def list_silences(session: Session, now: datetime) -> list[AlertSilenceRow]:
    """Stored silences in force or upcoming, then the most recently ended or expired ones."""
    current = session.scalars(
        select(AlertSilenceRow)
        .where(AlertSilenceRow.expired_at.is_(None), AlertSilenceRow.ends_at > now)
        .order_by(AlertSilenceRow.starts_at, AlertSilenceRow.id)
    ).all()
    past = session.scalars(
        select(AlertSilenceRow)
        .where(or_(AlertSilenceRow.expired_at.is_not(None), AlertSilenceRow.ends_at <= now))
        .order_by(AlertSilenceRow.ends_at.desc(), AlertSilenceRow.id.desc())
        .limit(RECENT_LIMIT)
    ).all()
    return [*current, *past]


def _state(start: datetime, end: datetime, expired: bool, now: datetime) -> str:
    if expired:
        return "expired"
    if end <= now:
        return "ended"
    return "active" if start <= now else "upcoming"


def silence_json(row: AlertSilenceRow, now: datetime) -> dict[str, Any]:
    """A stored silence as the API returns it."""
    return {
        "id": row.id, "rule": row.rule_id, "client": row.client_key, "source": row.source, "start": row.starts_at,
        "end": row.ends_at, "comment": row.comment, "createdBy": row.created_by, "createdAt": row.created_at,
        "expiredBy": row.expired_by, "expiredAt": row.expired_at, "definedIn": "api",
        "state": _state(row.starts_at, row.ends_at, row.expired_at is not None, now),
    }  # fmt: skip


def config_silence_json(silence: Silence, now: datetime) -> dict[str, Any]:
    """A silence of the config file as the API lists it (read-only: no id, changed in the file)."""
    return {
        "id": None, "rule": silence.rule, "client": silence.client, "source": silence.source,
        "start": silence.start, "end": silence.end, "comment": silence.reason, "createdBy": None, "createdAt": None,
        "expiredBy": None, "expiredAt": None, "definedIn": "config",
        "state": _state(silence.start, silence.end, False, now),
    }  # fmt: skip
