"""A report period in words, in the report's language: ``oktober 2026``, ``Q3 2026``, ``1 oktober 2026 – 15 …``.

Month names come from Babel (CLDR), so no language's calendar is typed in by hand.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date

MONTH_PATTERN = "LLLL y"  # "October 2026" / "oktober 2026" (stand-alone month name)
DAY_PATTERN = "d MMMM y"  # "1 October 2026" / "1 oktober 2026"


def _local_day(value: Any) -> date | None:
    try:
        return datetime.fromisoformat(str(value)).date()
    except (TypeError, ValueError):
        return None


def period_label(period: dict[str, Any], language: str) -> str:
    """The period of a figures document (``{key, label, kind, start, end}``) in ``language``; the document's own
    (English) label when its start or end cannot be read."""
    fallback = str(period.get("label") or period.get("key") or "")
    first, after = _local_day(period.get("start")), _local_day(period.get("end"))
    if first is None or after is None:
        return fallback
    kind = period.get("kind")
    if kind == "month":
        return format_date(first, MONTH_PATTERN, locale=language)
    if kind == "quarter":
        return f"Q{(first.month - 1) // 3 + 1} {first.year}"
    last = after - timedelta(days=1)  # ``end`` is local midnight after the last day
    return f"{format_date(first, DAY_PATTERN, locale=language)} – {format_date(last, DAY_PATTERN, locale=language)}"
