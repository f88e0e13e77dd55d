"""How a TV shows a number: its level (ok / warn / bad) from two thresholds, with a word and an icon beside the
colour, and how old the data behind it is. Words are English catalog ids; ``translate`` gives the screen's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskpulse.web.i18n import N_, Translator, translator_for

# Each level has a word and a symbol so that it never depends on colour alone.
LEVEL_TEXT = {"ok": N_("OK"), "warn": N_("Warning"), "bad": N_("Critical"), "none": ""}
LEVEL_ICON = {"ok": "✓", "warn": "▲", "bad": "✖", "none": ""}


def level(value: float | None, threshold: tuple[float, float] | None, *, more_is_worse: bool = True) -> str:
    """``bad`` at or past red, ``warn`` at or past amber, else ``ok``; ``none`` without a value or thresholds.

    ``threshold`` is ``(amber, red)``; where less is worse (uptime) "past" means at or below.
    """
    if value is None or threshold is None:
        return "none"
    amber, red = threshold
    if more_is_worse:
        return "bad" if value >= red else "warn" if value >= amber else "ok"
    return "bad" if value <= red else "warn" if value <= amber else "ok"


def widget(key: str, label: str, value: float | None, shown: str, lvl: str) -> dict[str, Any]:
    """One big number as the slide JSON carries it."""
    return {"key": key, "label": label, "value": value, "display": shown, "level": lvl,
            "levelText": LEVEL_TEXT[lvl], "icon": LEVEL_ICON[lvl]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the staleness badge needs of one source: its name, last good sync, and why it is stale."""

    name: str
    last_ok_at: datetime | None
    stale_since: datetime | None
    error: str | None


def level_text(lvl: str, translate: Translator) -> str:
    """The word of a level in the screen's language ("" for no level)."""
    return translate(LEVEL_TEXT[lvl]) if LEVEL_TEXT[lvl] else ""


def freshness(
    sources: Sequence[SourceState], now: datetime, stale_minutes: int, _: Translator | None = None
) -> dict[str, Any]:
    """``{lastUpdated, ageMinutes, stale, staleMinutes, reason}`` of the data behind a slide, the reason in
    ``_``'s language (English without one).

    The data is as old as the oldest last good sync among its sources; it is stale when that is more than
    ``stale_minutes`` ago, or when a source has never synced. No sources at all: nothing to be stale.
    """
    _ = _ or translator_for("en")
    if not sources:
        return {"lastUpdated": None, "ageMinutes": None, "stale": False, "staleMinutes": stale_minutes,
                "reason": None}  # fmt: skip
    stamps = [s.last_ok_at for s in sources]
    oldest = None if any(s is None for s in stamps) else min(s for s in stamps if s is not None)
    age = None if oldest is None else max(0, int((now - oldest).total_seconds() // 60))
    stale = age is None or age > stale_minutes
    reason = None
    if stale:
        failing = sorted((s for s in sources if s.stale_since is not None), key=lambda s: s.stale_since or now)
        never = [s for s in sources if s.last_ok_at is None]
        if failing:
            why = failing[0].error or _("the last sync failed")
            reason = f"{failing[0].name}: {why}"
        elif never:
            reason = _("%(source)s has not synced yet", source=never[0].name)
        else:
            reason = _("no sync has finished since")
    return {"lastUpdated": oldest, "ageMinutes": age, "stale": stale, "staleMinutes": stale_minutes,
            "reason": reason}  # fmt: skip
