"""Everything one figures document becomes: standalone HTML, PDF and the e-mail, plus notes on what is missing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from deskpulse.reports import charts as report_charts
from deskpulse.reports.email_message import compose
from deskpulse.reports.pdf import PdfUnavailable, html_to_pdf
from deskpulse.reports.render import Charts, load_logo, render_html
from deskpulse.reports.settings import ReportsConfig


@dataclass(slots=True)
class ReportOutputs:
    """The built report. ``pdf`` is None when WeasyPrint is unavailable; ``notes`` say what was left out."""

    html: bytes
    pdf: bytes | None
    eml: bytes
    notes: list[str] = field(default_factory=list)


def file_stem(doc: dict[str, Any]) -> str:
    """``report-acme-2026-10``: the name downloads and attachments carry."""
    raw = f"report-{doc['client']['key']}-{doc['period']['key']}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw)


def build_outputs(
    doc: dict[str, Any], config: ReportsConfig, language: str, *, sender: str, to: list[str], cc: list[str]
) -> ReportOutputs:
    """Render ``doc`` in ``language`` to HTML, PDF and a ready-to-send e-mail (``BrandingError`` on a bad logo)."""
    notes: list[str] = []
    logo = load_logo(config)
    specs = report_charts.report_specs(doc, language, (config.primary_colour, config.accent_colour))
    chart_note: str | None = None
    try:
        svgs = report_charts.render(specs, "svg")
        pngs = report_charts.render(specs, "png")
    except report_charts.ChartsUnavailable as exc:
        svgs, pngs, chart_note = {}, {}, str(exc)
        notes.append(chart_note)
    html = render_html(doc, config, language, mode="html", charts=Charts(svg=svgs, unavailable=chart_note), logo=logo)
    pdf: bytes | None = None
    try:
        print_html = render_html(
            doc, config, language, mode="pdf", charts=Charts(svg=svgs, unavailable=chart_note), logo=logo
        )
        pdf = html_to_pdf(print_html)
    except PdfUnavailable as exc:
        notes.append(str(exc))
    message = compose(
        doc, config, language, sender=sender, to=to, cc=cc, pngs=pngs, chart_note=chart_note, logo=logo, pdf=pdf,
        filename=f"{file_stem(doc)}.pdf",
    )  # fmt: skip
    return ReportOutputs(html=html.encode("utf-8"), pdf=pdf, eml=message.as_bytes(), notes=notes)
