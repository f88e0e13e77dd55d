"""Filters of GET /api/dashboard/tickets: parsed from comma-separated query values, checked, turned into SQL.

Every unknown value is a 400 with a sentence naming the parameter, the bad value and what is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.domain.tickets import Priority, StatusCategory
from deskpulse.store.tables import AgentRow, ClientRow, TeamRow, TicketRow

PRIORITY_NAMES = {"critical": Priority.URGENT, "urgent": Priority.URGENT, "high": Priority.HIGH,
                  "medium": Priority.MEDIUM, "low": Priority.LOW}  # fmt: skip
MAX_VALUES = 100


class FilterError(ValueError):
    """A filter value is not acceptable; the message is the sentence the caller gets."""


def split(name: str, raw: str | None) -> list[str]:
    """``a, b,,c`` -> ["a", "b", "c"]; at most MAX_VALUES values."""
    if raw is None:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > MAX_VALUES:
        raise FilterError(f"{name}: at most {MAX_VALUES} values are accepted, got {len(values)}.")
    return values


def _unknown(name: str, bad: Sequence[str], known: Sequence[str]) -> FilterError:
    shown = ", ".join(sorted(known)[:30]) or "none"
    return FilterError(f"{name}: unknown value(s) {', '.join(repr(b) for b in bad)}; known values: {shown}.")


@dataclass(frozen=True, slots=True)
class TicketFilters:
    """Raw query values of the ticket list."""

    priorities: str | None = None
    statuses: str | None = None
    queues: str | None = None
    resources: str | None = None
    companies: str | None = None
    search_text: str | None = None
    show_closed: bool = False

    def where(
        self, session: Session, source_ids: Sequence[int], client_ids: frozenset[int] | None
    ) -> list[ColumnElement[bool]]:
        """SQL conditions for these filters within the caller's sources and client scope; raises FilterError."""
        where: list[ColumnElement[bool]] = [TicketRow.source_id.in_(source_ids), TicketRow.deleted_at.is_(None)]
        if client_ids is not None:
            where.append(TicketRow.client_id.in_(sorted(client_ids)))
        if not self.show_closed:
            where.append(TicketRow.is_active.is_(True))
        if priorities := split("priorities", self.priorities):
            bad = [p for p in priorities if p.lower() not in PRIORITY_NAMES]
            if bad:
                raise _unknown("priorities", bad, list(PRIORITY_NAMES))
            where.append(TicketRow.priority.in_({PRIORITY_NAMES[p.lower()].value for p in priorities}))
        if statuses := split("statuses", self.statuses):
            where.append(self._statuses(session, source_ids, statuses))
        for name, raw, table, column in (
            ("queues", self.queues, TeamRow, TicketRow.team_external_id),
            ("resources", self.resources, AgentRow, TicketRow.agent_external_id),
        ):
            if values := split(name, raw):
                known = set(session.scalars(select(table.external_id).where(table.source_id.in_(source_ids))))
                bad = [v for v in values if v not in known]
                if bad:
                    raise _unknown(name, bad, list(known))
                where.append(column.in_(values))
        if companies := split("companies", self.companies):
            keys = dict(session.execute(select(ClientRow.key, ClientRow.id)).all())
            visible = {k for k, cid in keys.items() if client_ids is None or cid in client_ids}
            bad = [c for c in companies if c not in visible]
            if bad:
                raise _unknown("companies", bad, list(visible))
            where.append(TicketRow.client_id.in_([keys[c] for c in companies]))
        if self.search_text is not None and self.search_text.strip():
            text = self.search_text.strip()
            if len(text) > 200:
                raise FilterError("searchText: at most 200 characters.")
            like = f"%{text.lower()}%"
            where.append(
                or_(
                    func.lower(TicketRow.subject).like(like),
                    func.lower(TicketRow.external_id).like(like),
                    func.lower(TicketRow.requester_name).like(like),
                    func.lower(TicketRow.requester_email).like(like),
                )
            )
        return where

    @staticmethod
    def _statuses(session: Session, source_ids: Sequence[int], statuses: list[str]) -> ColumnElement[bool]:
        """Status categories (``open``, ``waiting_on_customer``...) or the vendors' status names."""
        categories = {c.value for c in StatusCategory}
        labels = {
            (label or "").casefold(): label
            for label in session.scalars(
                select(TicketRow.status_label).where(TicketRow.source_id.in_(source_ids)).distinct()
            )
        }
        bad = [s for s in statuses if s.lower() not in categories and s.casefold() not in labels]
        if bad:
            raise _unknown("statuses", bad, [*categories, *labels.values()])
        wanted_categories = [s.lower() for s in statuses if s.lower() in categories]
        wanted_labels = [labels[s.casefold()] for s in statuses if s.casefold() in labels]
        return or_(TicketRow.status_category.in_(wanted_categories), TicketRow.status_label.in_(wanted_labels))
