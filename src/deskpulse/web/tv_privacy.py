"""The privacy mask of reception screens: customer and requester names are left out or blanked on the server,
so they never reach the page (hiding them with CSS would still send them)."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "•••"


class Redactor:
    """Blanks known names inside free text (a service or alert rule named after a customer)."""

    def __init__(self, names: Iterable[str], *, active: bool) -> None:
        self.active = active
        # Longest first, so "Acme Holding" is blanked whole before "Acme"; very short names would blank words.
        wanted = sorted({n.strip() for n in names if len(n.strip()) >= 3}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(n) for n in wanted), re.I) if wanted and active else None

    def text(self, value: str | None) -> str | None:
        """``value`` with every known name blanked (unchanged when the mask is off)."""
        if value is None or self._pattern is None:
            return value
        return self._pattern.sub(MASK, value)
