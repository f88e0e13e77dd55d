"""Server-drawn SVG charts of the uptime page: daily SLI as a line, monthly downtime as bars (no script)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from deskpulse.uptime import TrendPoint
from deskpulse.web.i18n import translator_for

WIDTH, HEIGHT, PAD = 720, 220, 36


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar in SVG coordinates, with its label and value for the tooltip."""

    x: float
    y: float
    width: float
    height: float
    label: str
    title: str


@dataclass(frozen=True, slots=True)
class UptimeChart:
    """A line (``points``) or bars, the y-axis bounds as text, the first and last labels, and the size."""

    points: str = ""
    bars: tuple[Bar, ...] = ()
    y_top: str = ""
    y_bottom: str = ""
    first: str = ""
    last: str = ""
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        """Nothing to draw."""
        return not self.points and not self.bars


def _percent(value: float, language: str) -> str:
    text = f"{value * 100:.3f}".rstrip("0").rstrip(".")
    return (text.replace(".", ",") if language == "nl" else text) + " %"


def sli_line(points: Sequence[TrendPoint], language: str = "en") -> UptimeChart:
    """The SLI per day; days without a measured SLI are left out. The y axis starts at the lowest whole
    tenth of a percent below the lowest day, so a 99.95 % month is not a flat line at the top."""
    measured = [(p, p.figures.sli) for p in points if p.figures.sli is not None]
    if not measured:
        return UptimeChart()
    low = min(sli for _, sli in measured if sli is not None)
    bottom = min(math.floor(low * 1000) / 1000, 0.999)
    span = 1.0 - bottom
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    index = {p.day: i for i, p in enumerate(points)}
    coords = [
        f"{PAD + index[p.day] * step:.1f},{HEIGHT - PAD - (sli - bottom) / span * (HEIGHT - 2 * PAD):.1f}"
        for p, sli in measured
        if sli is not None
    ]
    bottom_text = _percent(bottom, language)
    return UptimeChart(" ".join(coords), (), "100 %", bottom_text, str(points[0].day), str(points[-1].day))


def downtime_bars(points: Sequence[TrendPoint], language: str = "en") -> UptimeChart:
    """Downtime per month (minutes), one bar per month; the tooltips in ``language``."""
    if not points:
        return UptimeChart()
    _ = translator_for(language)
    top = max(p.figures.down_s for p in points) / 60 or 1.0
    slot = (WIDTH - 2 * PAD) / len(points)
    bars = []
    for i, p in enumerate(points):
        minutes = p.figures.down_s / 60
        height = minutes / top * (HEIGHT - 2 * PAD)
        label = p.day.strftime("%Y-%m")
        bars.append(Bar(PAD + i * slot + slot * 0.15, HEIGHT - PAD - height, slot * 0.7, height, label,
                        _("%(month)s: %(minutes)s min down", month=label, minutes=f"{minutes:.0f}")))  # fmt: skip
    return UptimeChart("", tuple(bars), f"{top:.0f} min", "0", bars[0].label, bars[-1].label)
