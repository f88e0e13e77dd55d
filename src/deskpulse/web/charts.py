"""Vega-Lite chart specs built in Python, so the live page and the PDF/e-mail reports share one definition.

The specs are plain dicts (JSON-ready). Timestamps are ISO strings; Vega-Lite parses them as instants and,
with no ``utc`` scale, shows them in the viewer's local time. The browser bundle (Vega, Vega-Lite,
vega-embed) comes from ``vl_convert`` at run time and is never committed. ``vl_convert`` is the optional
``charts`` extra: without it the specs still work (they are plain data) and pages show tables instead.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib
import json
import logging
import subprocess
import sys
from typing import Any

from deskpulse.web.i18n import N_, translator_for

__all__ = [
    "CHARTS_MISSING",
    "HISTORY_SERIES",
    "THEMES",
    "ChartsUnavailable",
    "charts_available",
    "closed_per_day_spec",
    "history_chart_spec",
    "vega_bundle_etag",
    "vega_bundle_gzip",
    "vega_bundle_js",
    "warm_bundle",
]

log = logging.getLogger(__name__)

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
THEMES = ("light", "dark")

# (field, label, dash) in legend order. Dashes keep the series apart without relying on colour alone. Labels are
# English catalog ids; the specs carry them in the viewer's language.
HISTORY_SERIES: tuple[tuple[str, str, list[int]], ...] = (
    ("total", N_("Total"), []),
    ("open", N_("Open"), [6, 3]),
    ("assigned", N_("Assigned"), [2, 2]),
)

_PALETTE: dict[str, dict[str, Any]] = {
    "light": {
        "text": "#1f2937",
        "muted": "#4b5563",
        "grid": "#e5e7eb",
        "domain": "#9ca3af",
        "series": ["#4338ca", "#c2410c", "#047857"],
        "bar": "#4338ca",
        "rule": "#6b7280",
    },
    "dark": {
        "text": "#e5e7eb",
        "muted": "#9ca3af",
        "grid": "#334155",
        "domain": "#64748b",
        "series": ["#a5b4fc", "#fdba74", "#6ee7b7"],
        "bar": "#a5b4fc",
        "rule": "#94a3b8",
    },
}

# Axis label format and tooltip format per history range (d3-time-format, local time).
_RANGE_FORMATS: dict[str, tuple[str, str]] = {
    "24h": ("%H:%M", "%a %H:%M"),
    "7d": ("%a %d", "%a %d %b %H:%M"),
    "30d": ("%d %b", "%a %d %b %H:%M"),
    "1y": ("%b %Y", "%a %d %b %Y %H:%M"),
}


def _palette(theme: str) -> dict[str, Any]:
    if theme not in _PALETTE:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}; got {theme!r}")
    return _PALETTE[theme]


def _config(theme: str) -> dict[str, Any]:
    """Theme config: transparent background so the page's card colour shows through."""
    p = _palette(theme)
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    return {
        "background": None,
        "font": font,
        "view": {"stroke": None},
        "axis": {
            "labelColor": p["muted"],
            "titleColor": p["text"],
            "gridColor": p["grid"],
            "domainColor": p["domain"],
            "tickColor": p["domain"],
            "labelFontSize": 12,
            "titleFontSize": 12,
            "titleFontWeight": "normal",
        },
        "legend": {"labelColor": p["text"], "titleColor": p["text"], "labelFontSize": 13, "symbolStrokeWidth": 3},
        "title": {"color": p["text"], "subtitleColor": p["muted"]},
        "text": {"color": p["muted"]},
    }


def _size(width: int | str, height: int | str) -> dict[str, Any]:
    size: dict[str, Any] = {"width": width, "height": height}
    if "container" in (width, height):
        size["autosize"] = {"type": "fit", "contains": "padding", "resize": True}
    return size


def history_chart_spec(
    points: list[dict[str, Any]],
    *,
    range_key: str,
    theme: str = "light",
    width: int | str = "container",
    height: int | str = "container",
    language: str = "en",
) -> dict[str, Any]:
    """Line chart of total/open/assigned over time from points ``{ts, open, assigned, total, closed}``.

    One line per series (colour and dash), a legend, and a hover rule whose tooltip lists all three values.
    The data set is named ``history`` so a live page can swap its rows without re-embedding. Titles, legend
    and tooltip labels are in ``language``.
    """
    if range_key not in _RANGE_FORMATS:
        raise ValueError(f"range_key must be one of {', '.join(_RANGE_FORMATS)}; got {range_key!r}")
    _ = translator_for(language)
    p = _palette(theme)
    axis_format, tip_format = _RANGE_FORMATS[range_key]
    series = [(f, _(label), dash) for f, label, dash in HISTORY_SERIES]
    fields = [f for f, _label, _dash in series]
    labels = [label for _f, label, _dash in series]
    rows = [{"ts": pt["ts"], **{f: pt.get(f) for f in fields}} for pt in points]
    x = {"field": "ts", "type": "temporal", "title": None, "axis": {"format": axis_format, "labelOverlap": True}}
    # The labels are ours (catalog text), but quote them for the expression language all the same.
    label_of = " : ".join(f"datum.series === '{f}' ? {json.dumps(label)}" for f, label, _dash in series)
    # Same field, title and legend on colour and dash: Vega-Lite merges them into one legend.
    legend = {"orient": "top", "direction": "horizontal", "symbolType": "stroke", "symbolSize": 300}
    lines = {
        "transform": [
            {"fold": fields, "as": ["series", "count"]},
            {"calculate": f"{label_of} : datum.series", "as": "label"},
        ],
        "mark": {"type": "line", "strokeWidth": 2.5, "interpolate": "monotone"},
        "encoding": {
            "x": x,
            "y": {"field": "count", "type": "quantitative", "title": _("Tickets"), "axis": {"tickMinStep": 1}},
            "color": {
                "field": "label",
                "type": "nominal",
                "title": None,
                "scale": {"domain": labels, "range": p["series"]},
                "legend": legend,
            },
            "strokeDash": {
                "field": "label",
                "type": "nominal",
                "title": None,
                "scale": {"domain": labels, "range": [d for _f, _label, d in series]},
                "legend": legend,
            },
        },
    }
    tooltip = [{"field": "ts", "type": "temporal", "title": _("Time"), "format": tip_format}]
    tooltip += [{"field": f, "type": "quantitative", "title": label} for f, label, _dash in series]
    hover = {
        "params": [
            {
                "name": "hover",
                "select": {
                    "type": "point",
                    "encodings": ["x"],
                    "nearest": True,
                    "on": "pointerover",
                    "clear": "pointerout",
                },
            }
        ],
        "mark": {"type": "rule", "color": p["rule"], "strokeWidth": 1},
        "encoding": {
            "x": x,
            "opacity": {"condition": {"param": "hover", "empty": False, "value": 0.8}, "value": 0},
            "tooltip": tooltip,
        },
    }
    return {
        "$schema": SCHEMA,
        "description": _("Open, assigned and total tickets over time"),
        **_size(width, height),
        "data": {"name": "history", "values": rows},
        "layer": [lines, hover],
        "config": _config(theme),
    }


def closed_per_day_spec(
    daily_counts: list[dict[str, Any]],
    *,
    theme: str = "light",
    width: int | str = "container",
    height: int | str = "container",
    language: str = "en",
) -> dict[str, Any]:
    """Bar chart of tickets closed per local calendar day from ``{date: 'YYYY-MM-DD', count}`` rows.

    Dates are calendar days, not instants, so they are placed on a UTC scale to stop the viewer's time zone
    shifting a bar onto the neighbouring day. The data set is named ``closed_per_day``. Titles are in
    ``language``.
    """
    _ = translator_for(language)
    p = _palette(theme)
    rows = [{"date": str(d["date"]), "count": int(d["count"])} for d in daily_counts]
    x = {
        "field": "date",
        "type": "ordinal",
        "timeUnit": "utcyearmonthdate",
        "title": None,
        # One label a week (Mondays) stays readable from 7 to 90 bars, on a phone or a TV.
        "axis": {
            "labelExpr": "utcday(datum.value) === 1 ? utcFormat(datum.value, '%-d %b') : ''",
            "labelAngle": 0,
            "labelBound": True,
            "ticks": False,
            "grid": False,
        },
    }
    return {
        "$schema": SCHEMA,
        "description": _("Tickets closed per day"),
        **_size(width, height),
        "data": {"name": "closed_per_day", "values": rows},
        "mark": {"type": "bar", "color": p["bar"], "cornerRadiusTopLeft": 2, "cornerRadiusTopRight": 2},
        "encoding": {
            "x": x,
            "y": {"field": "count", "type": "quantitative", "title": _("Closed"), "axis": {"tickMinStep": 1}},
            "tooltip": [
                {
                    "field": "date",
                    "type": "temporal",
                    "timeUnit": "utcyearmonthdate",
                    "title": _("Day"),
                    "format": "%a %d %b",
                },
                {"field": "count", "type": "quantitative", "title": _("Closed")},
            ],
        },
        "config": _config(theme),
    }


CHARTS_MISSING = (
    "Charts are not available on this server: the optional vl-convert-python package is not installed "
    "(pip install 'deskpulse[charts]'), so pages show tables instead."
)


class ChartsUnavailable(RuntimeError):
    """The browser chart bundle cannot be built here: vl-convert (the ``charts`` extra) is missing."""


def charts_available() -> bool:
    """Whether vl-convert can be imported in this process (cheap after the first call: a module lookup)."""
    try:
        importlib.import_module("vl_convert")
    except (ImportError, OSError):  # OSError: the package is there but its native library will not load
        return False
    return True


def warm_bundle() -> None:
    """Build the bundle ahead of the first page that needs it; without vl-convert, say once that tables show."""
    if charts_available():
        vega_bundle_gzip()
    else:
        log.warning("%s", CHARTS_MISSING)


@functools.cache
def vega_bundle_js() -> str:
    """Vega + Vega-Lite + vega-embed as one classic script that sets ``window.vegaEmbed`` (built once, ~3-5 s).

    ~900 kB of JavaScript (~300 kB gzipped). No snippet means vl-convert's default one, which puts
    ``vegaEmbed``, ``vega`` and ``vegaLite`` on ``window``; its type stub wrongly requires a string.
    """
    if not charts_available():
        raise ChartsUnavailable(CHARTS_MISSING)
    # Built in a child process: vl-convert's JavaScript engine stays resident (~130 MiB) in whatever process
    # uses it, and a web worker only needs the text.
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, "-c", _BUNDLE_SNIPPET], capture_output=True, check=False, timeout=300
    )
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"building the chart bundle failed: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout.decode("utf-8")


_BUNDLE_SNIPPET = "import sys, vl_convert; sys.stdout.write(vl_convert.javascript_bundle(None))"


@functools.cache
def vega_bundle_etag() -> str:
    """A strong ETag for the bundle: a hash of its text."""
    digest = hashlib.sha256(vega_bundle_js().encode("utf-8")).hexdigest()[:32]
    return f'"{digest}"'


@functools.cache
def vega_bundle_gzip() -> bytes:
    """The bundle gzip-compressed (about a quarter of its size), for clients that accept it."""
    return gzip.compress(vega_bundle_js().encode("utf-8"), compresslevel=9, mtime=0)
