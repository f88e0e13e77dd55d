"""The data of one TV slide: big numbers with levels, a short table, and how fresh the data is.

Every figure comes from the computation its own page uses (the dashboard, the SLA evaluation of the metrics
API, the agents' board, the uptime report, the alerts history), read for the caller's client scope narrowed to
the slide's client. Under a playlist's privacy mask customer and requester names and ticket subjects are left
out here, so they never reach the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import allowed
from deskpulse.config import Config
from deskpulse.domain.board import closed_windows
from deskpulse.store import queries
from deskpulse.store.clients import client_ids
from deskpulse.store.tables import SourceRow
from deskpulse.tv_config import WIDGETS, TvPlaylist, TvSlide
from deskpulse.web.deps import SourceSelection
from deskpulse.web.i18n import Translator, format_duration_in, translator_for
from deskpulse.web.tv_levels import LEVEL_ICON, LEVEL_TEXT, level, widget
from deskpulse.web.tv_privacy import Redactor

ROWS = 8  # table rows a slide shows: enough to act on, few enough to read from across the room


def sees_internal(principal: Principal) -> bool:
    """Staff roles, kiosk TVs included (an admin issued the link and chose the playlist); never customers."""
    return allowed(principal.role, "tickets:internal")


@dataclass
class SlideContext:
    """Everything a board's builder reads."""

    request: Request
    session: Session
    config: Config
    principal: Principal
    playlist: TvPlaylist
    slide: TvSlide
    now: datetime
    redact: Redactor
    sources: SourceSelection
    language: str  # the screen's: the playlist's ``language``, else the request's

    @property
    def _(self) -> Translator:
        """Sentences in the screen's language."""
        return translator_for(self.language)

    def number(self, key: str, value: float | None, shown: str | None = None) -> dict[str, Any]:
        """A widget of this slide's board, its level from the slide's (or the default) thresholds."""
        spec = WIDGETS[self.slide.board][key]
        lvl = level(value, self.slide.threshold(key), more_is_worse=spec.more_is_worse)
        text = shown if shown is not None else self.figure(value)
        return widget(key, self._(spec.label), value, text, lvl)

    def figure(self, value: float | None, unit: str = "") -> str:
        """``value`` as the screen shows it (up to six digits, a decimal comma in Dutch), with ``unit``."""
        if value is None:
            return "–"
        text = f"{value:g}"
        return (text.replace(".", ",") if self.language == "nl" else text) + unit

    def team_matches(self, team_id: str | None, team_name: str | None) -> bool:
        """True without a team filter, else when the team's vendor id or name is the slide's team."""
        wanted = self.slide.team
        if wanted is None:
            return True
        folded = wanted.strip().casefold()
        return (team_id or "").casefold() == folded or (team_name or "").casefold() == folded


def scope_of(session: Session, principal: Principal, slide: TvSlide) -> frozenset[int] | None:
    """The caller's clients narrowed to the slide's client (an empty set when the screen may not see it)."""
    if slide.client is None:
        return principal.client_ids
    wanted = frozenset(client_ids(session, [slide.client]).values())
    return wanted if principal.client_ids is None else wanted & principal.client_ids


def ticket_sources(session: Session, config: Config, principal: Principal, slide: TvSlide) -> SourceSelection:
    """The slide's ticket sources with their health, scoped like every other route's."""
    names = [slide.source] if slide.source else [s.name for s in config.ticket_sources]
    rows = list(session.scalars(select(SourceRow).where(SourceRow.name.in_(names)).order_by(SourceRow.name)))
    return SourceSelection(rows, scope_of(session, principal, slide), sees_internal(principal))


def table(title: str, columns: list[str], rows: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    """A short table: each row ``{"cells": [...], "level": ok|warn|bad|none}``; ``more`` counts rows not shown."""
    shown = rows[:ROWS]
    count = len(rows) if total is None else total
    levels = any(r["level"] != "none" for r in rows)
    return {"title": title, "columns": columns, "rows": shown, "more": max(0, count - len(shown)), "levels": levels}


def row(cells: list[Any], lvl: str = "none") -> dict[str, Any]:
    """One table row; a level adds the word and icon beside its colour."""
    return {"cells": ["" if c is None else str(c) for c in cells], "level": lvl, "levelText": LEVEL_TEXT[lvl],
            "icon": LEVEL_ICON[lvl]}  # fmt: skip


def time_left(minutes: float | None, language: str) -> str:
    """``25 min left`` or ``overdue by 1 h 05 min`` in ``language`` (the SLA list's words)."""
    if minutes is None:
        return ""
    _ = translator_for(language)
    text = format_duration_in(int(minutes * 60), language)
    return _("%(time)s left", time=text) if minutes >= 0 else _("overdue by %(time)s", time=text)


def summary_closed_today(context: SlideContext) -> int:
    """Tickets closed since local midnight, in scope (the dashboard's closed statistics)."""
    sources = context.sources
    found, _ = queries.closed_stats(
        context.session, sources.ids, closed_windows(context.now, context.config.tz), context.config.tz,
        sources.client_ids,
    )  # fmt: skip
    return int(found["closed_today"])
