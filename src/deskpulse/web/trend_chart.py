"""A small server-drawn SVG line chart of the backlog and its forecast (no script, works on any screen)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD = 720, 220, 32


@dataclass(frozen=True, slots=True)
class TrendChart:
    """Polyline point lists in SVG coordinates, axis labels, and the size."""

    actual: str
    forecast: str
    y_max: int
    first_day: str
    last_day: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        """Nothing to draw."""
        return not self.actual and not self.forecast


def trend_chart(backlog: list[dict[str, Any]], forecast: list[dict[str, Any]]) -> TrendChart:
    """Lay out the measured backlog and the forecast on one time axis (one step per day)."""
    points = [("a", p["date"], float(p["open"])) for p in backlog] + [
        ("f", p["date"], float(p["open"])) for p in forecast
    ]
    if not points:
        return TrendChart("", "", 0, "", "")
    top = max(v for _, _, v in points) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)

    def xy(i: int, value: float) -> str:
        return f"{PAD + i * step:.1f},{HEIGHT - PAD - value / top * (HEIGHT - 2 * PAD):.1f}"

    actual = [xy(i, v) for i, (kind, _, v) in enumerate(points) if kind == "a"]
    # The forecast line starts at the last measured point so the two lines join.
    start = len(actual) - 1
    ahead = ([actual[-1]] if actual else []) + [
        xy(i, v) for i, (kind, _, v) in enumerate(points) if kind == "f" and i > start
    ]
    return TrendChart(" ".join(actual), " ".join(ahead) if forecast else "", round(top), points[0][1], points[-1][1])
