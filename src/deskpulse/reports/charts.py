"""The report's charts: Vega-Lite specs in the dashboard's style, drawn on the server by vl-convert.

SVG goes into the HTML and the PDF, PNG into the e-mail (mail clients do not show SVG). When vl-convert is not
installed the report shows its tables alone and says so; nothing else depends on it.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Literal

from deskpulse.web.charts import SCHEMA
from deskpulse.web.charts import _config as dashboard_config  # the dashboard's theme, so both look alike
from deskpulse.web.i18n import Translator, translator_for

log = logging.getLogger(__name__)
Format = Literal["svg", "png"]
WIDTH, HEIGHT = 560, 180
PNG_SCALE = 1.5


class ChartsUnavailable(RuntimeError):
    """vl-convert cannot be used here; the message says why in a sentence."""


def daily_spec(daily: list[dict[str, Any]], _: Translator, colours: tuple[str, str]) -> dict[str, Any]:
    """Opened and resolved tickets per local day of the period, as two lines (series named by ``_``)."""
    opened, resolved = _("Opened"), _("Resolved")
    rows = [{"date": str(d["date"]), opened: int(d.get("opened") or 0), resolved: int(d.get("resolved") or 0)}
            for d in daily]  # fmt: skip
    return {
        "$schema": SCHEMA,
        "description": _("Tickets per day"),
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": rows},
        "transform": [{"fold": [opened, resolved], "as": ["series", "count"]}],
        "mark": {"type": "line", "strokeWidth": 2.5, "point": True},
        "encoding": {
            # Calendar days, not instants: a UTC scale keeps each point on its own day.
            "x": {
                "field": "date",
                "type": "temporal",
                "timeUnit": "utcyearmonthdate",
                "title": None,
                "axis": {"format": "%-d", "labelOverlap": True},
            },
            "y": {"field": "count", "type": "quantitative", "title": _("Tickets"), "axis": {"tickMinStep": 1}},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": [opened, resolved], "range": list(colours)},
                "legend": {"orient": "top", "direction": "horizontal"},
            },
        },
        "config": dashboard_config("light"),
    }


def breakdown_spec(rows: list[dict[str, Any]], title: str, _: Translator, colour: str) -> dict[str, Any]:
    """Horizontal bars of ``{name, count}`` rows, largest first."""
    values = [{"name": str(r["name"]), "count": int(r["count"])} for r in rows]
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": WIDTH,
        "height": max(40, 22 * len(values)),
        "data": {"values": values},
        "mark": {"type": "bar", "color": colour, "cornerRadiusEnd": 2},
        "encoding": {
            "y": {"field": "name", "type": "nominal", "title": None, "sort": "-x"},
            "x": {"field": "count", "type": "quantitative", "title": _("Tickets"), "axis": {"tickMinStep": 1}},
        },
        "config": dashboard_config("light"),
    }


def report_specs(doc: dict[str, Any], language: str, colours: tuple[str, str]) -> dict[str, dict[str, Any]]:
    """The specs of one figures document by chart name, titled in ``language``; charts without data are left
    out."""
    _ = translator_for(language)
    specs: dict[str, dict[str, Any]] = {}
    if doc.get("daily"):
        specs["daily"] = daily_spec(doc["daily"], _, colours)
    if doc.get("by_priority"):
        specs["by_priority"] = breakdown_spec(doc["by_priority"], _("By priority"), _, colours[0])
    return specs


def _converter() -> Any:
    try:
        return importlib.import_module("vl_convert")
    except ImportError as exc:
        raise ChartsUnavailable(
            "Charts are not available: the vl-convert-python package cannot be imported on this server."
        ) from exc


def render(specs: dict[str, dict[str, Any]], fmt: Format) -> dict[str, Any]:
    """Each spec drawn as SVG text or PNG bytes; ``ChartsUnavailable`` when vl-convert is missing."""
    if not specs:
        return {}
    vlc = _converter()
    drawn: dict[str, Any] = {}
    for name, spec in specs.items():
        if fmt == "svg":
            drawn[name] = vlc.vegalite_to_svg(spec)
        else:
            drawn[name] = vlc.vegalite_to_png(spec, scale=PNG_SCALE)
    return drawn
