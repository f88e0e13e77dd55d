"""How the report prints numbers, durations, percentages and times, per language (pure functions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def _decimal(text: str, language: str) -> str:
    return text.replace(".", ",") if language == "nl" else text


def number(value: Any, language: str, decimals: int = 0) -> str:
    """``value`` with ``decimals`` places (Dutch decimal comma), or an en dash for no value."""
    if value is None:
        return "–"
    return _decimal(f"{float(value):.{decimals}f}", language)


def pct(value: Any, language: str) -> str:
    """A percentage 0..100 with one decimal: ``90.9%`` / ``90,9%``."""
    return "–" if value is None else f"{number(value, language, 1)}%"


def hours(value: Any, language: str) -> str:
    """Hours to two decimals."""
    return number(value, language, 2)


def duration(seconds: Any, language: str) -> str:
    """A length of time the way people say it: ``45 min``, ``2 h 05 min``, ``3 d 4 h``."""
    if seconds is None:
        return "–"
    total = round(float(seconds))
    sign = "-" if total < 0 else ""
    total = abs(total)
    day_unit = "d"
    hour_unit = "h" if language != "nl" else "u"
    if total < 60:
        return f"{sign}{total} s"
    minutes, _ = divmod(total, 60)
    if minutes < 60:
        return f"{sign}{minutes} min"
    hrs, mins = divmod(minutes, 60)
    if hrs < 48:
        return f"{sign}{hrs} {hour_unit} {mins:02d} min"
    days, hrs = divmod(hrs, 24)
    return f"{sign}{days} {day_unit} {hrs} {hour_unit}"


def change(now: Any, before: Any, language: str, *, kind: str = "count") -> str:
    """The difference ``now - before`` with its sign, in the unit of ``kind`` (count, pct, duration)."""
    if now is None or before is None:
        return "–"
    diff = float(now) - float(before)
    sign = "+" if diff > 0 else ""
    if kind == "pct":
        return f"{sign}{number(diff, language, 1)} pt"
    if kind == "duration":
        return ("+" if diff > 0 else "") + duration(diff, language)
    return f"{sign}{number(diff, language)}"


def local_time(text: Any, zone: ZoneInfo) -> str:
    """An ISO-8601 instant shown as local ``YYYY-MM-DD HH:MM`` in ``zone``; an en dash for none."""
    if not text:
        return "–"
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
