"""One figures document -> the report's HTML (standalone, e-mail) and its plain text, from one template set.

Templates live in ``web/templates/reports/`` and are auto-escaped: vendor text (subjects, names, comments) is
printed as text, never as markup. The only markup passed in whole is the SVG that vl-convert drew. Sentences
come from the application's gettext catalogs in the report's language (``language`` in the context).
"""

from __future__ import annotations

import base64
import functools
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from deskpulse.reports import formatting
from deskpulse.reports.period_names import period_label
from deskpulse.reports.settings import ReportsConfig
from deskpulse.web.i18n import install_i18n, translator_for

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "reports"
Mode = Literal["html", "pdf", "email"]


@dataclass(frozen=True, slots=True)
class Logo:
    """The branding logo read from ``[reports] logo_file``."""

    data: bytes
    mime: str

    @property
    def data_uri(self) -> str:
        """The logo as a ``data:`` URI, for the standalone HTML and the PDF."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(slots=True)
class Charts:
    """Drawn charts by name (SVG text or a ``cid:`` name), or why there are none."""

    svg: dict[str, str] = field(default_factory=dict)
    cids: dict[str, str] = field(default_factory=dict)
    unavailable: str | None = None


class BrandingError(ValueError):
    """The logo file cannot be used; the message says why."""


def load_logo(config: ReportsConfig) -> Logo | None:
    """The configured logo, or None when there is none; ``BrandingError`` when the file is unusable."""
    if not config.logo_file:
        return None
    path = Path(config.logo_file)
    mime = mimetypes.guess_type(path.name)[0] or ""
    if mime not in ("image/png", "image/jpeg", "image/svg+xml"):
        raise BrandingError(f"reports.logo_file {path} must be a PNG, JPEG or SVG file.")
    try:
        return Logo(path.read_bytes(), mime)
    except OSError as exc:
        raise BrandingError(f"reports.logo_file {path} cannot be read: {exc.strerror or exc}.") from exc


@functools.cache
def environment() -> Environment:
    """The report templates' Jinja environment (built once; auto-escaping on for .html)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Times are printed by ``when`` in the client's zone; the zone given here only backs the unused web filters.
    install_i18n(env, ZoneInfo("UTC"))
    return env


def _zone(doc: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(str((doc.get("client") or {}).get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def context(
    doc: dict[str, Any], config: ReportsConfig, language: str, *, mode: Mode, charts: Charts, logo: Logo | None
) -> dict[str, Any]:
    """Everything a report template reads: the document, branding, and formatters bound to the language
    (``language`` also picks the catalog of ``_()`` and ``{% trans %}``)."""
    zone = _zone(doc)
    lang = language
    return {
        "doc": doc,
        "mode": mode,
        "lang": lang,
        "language": lang,
        "page_counter": page_counter(lang),
        "period_label": period_label(doc.get("period") or {}, lang),
        "period_label_of": lambda p: period_label(p or {}, lang),
        "brand": config,
        "logo_src": (logo.data_uri if mode != "email" else "cid:logo") if logo else None,
        "charts": charts,
        "svg": {name: Markup(text) for name, text in charts.svg.items()},  # noqa: S704 - vl-convert's own SVG
        "num": lambda v, d=0: formatting.number(v, lang, d),
        "pct": lambda v: formatting.pct(v, lang),
        "hours": lambda v: formatting.hours(v, lang),
        "dur": lambda v: formatting.duration(v, lang),
        "change": lambda now, before, kind="count": formatting.change(now, before, lang, kind=kind),
        "when": lambda v: formatting.local_time(v, zone),
    }


def render_html(
    doc: dict[str, Any], config: ReportsConfig, language: str, *, mode: Mode, charts: Charts, logo: Logo | None
) -> str:
    """The report as one HTML document: standalone (``html``), for WeasyPrint (``pdf``) or not yet inlined
    e-mail HTML (``email``)."""
    ctx = context(doc, config, language, mode=mode, charts=charts, logo=logo)
    return environment().get_template("report.html").render(ctx)


def render_text(doc: dict[str, Any], config: ReportsConfig, language: str) -> str:
    """The plain-text part of the e-mail: the key figures and a pointer to the attached PDF."""
    ctx = context(doc, config, language, mode="email", charts=Charts(), logo=None)
    return environment().get_template("report.txt").render(ctx)


def page_counter(language: str) -> str:
    """The CSS ``content`` of the PDF's page footer: ``"Page " counter(page) " of " counter(pages)`` in
    ``language``, in the translation's own word order."""
    _ = translator_for(language)
    sentence = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for position, piece in enumerate(sentence.split("\x00")):
        if position % 2:  # between two markers: a counter's name
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts)


def subject_line(doc: dict[str, Any], config: ReportsConfig, language: str) -> str:
    """The e-mail subject, one line whatever the client's name holds."""
    _ = translator_for(language)
    client = str((doc.get("client") or {}).get("name") or "")
    period = period_label(doc["period"], language)
    text = _("%(company)s: service report %(client)s, %(period)s", company=config.company_name, client=client,
             period=period)  # fmt: skip
    return " ".join(text.split())
