"""The report as an e-mail: text and HTML alternatives, charts and logo as inline CID images, the PDF attached.

The HTML has every style inlined by css-inline (mail clients drop ``<style>``), is laid out with tables, and
refers to nothing outside the message: images are ``cid:`` parts of the same message.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import css_inline

from deskpulse.reports.render import Charts, Logo, render_html, render_text, subject_line
from deskpulse.reports.settings import ReportsConfig

_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False)


def domain_of(address: str) -> str:
    """The right-hand side of an address, for Message-IDs (no reverse DNS lookup)."""
    return address.rpartition("@")[2].strip(" >") or "localhost"


def email_html(doc: dict[str, Any], config: ReportsConfig, language: str, charts: Charts, logo: Logo | None) -> str:
    """The e-mail HTML with all CSS inlined."""
    return _INLINER.inline(render_html(doc, config, language, mode="email", charts=charts, logo=logo))


def compose(
    doc: dict[str, Any], config: ReportsConfig, language: str, *, sender: str, to: Sequence[str], cc: Sequence[str],
    pngs: dict[str, bytes], chart_note: str | None, logo: Logo | None, pdf: bytes | None, filename: str,
) -> EmailMessage:  # fmt: skip
    """The whole message, addressed to ``to``/``cc`` (the internal copy is added as Bcc when sending)."""
    domain = domain_of(sender)
    # One Content-ID per image, unique to this message, so a mail client never mixes two reports' images.
    # Short enough that the Content-ID header is never folded.
    cids = {name: f"{name.replace('_', '-')}.{secrets.token_hex(8)}@{domain}" for name in pngs}
    logo_cid = f"logo.{secrets.token_hex(8)}@{domain}" if logo is not None else None
    charts = Charts(cids=cids, unavailable=chart_note)
    html = email_html(doc, config, language, charts, logo)
    if logo_cid is not None:
        html = html.replace('src="cid:logo"', f'src="cid:{logo_cid}"')
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject_line(doc, config, language)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(render_text(doc, config, language))
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    for name, png in pngs.items():
        html_part.add_related(png, "image", "png", cid=f"<{cids[name]}>", filename=f"{name}.png")
    if logo is not None and logo_cid is not None:
        maintype, subtype = logo.mime.split("/", 1)
        html_part.add_related(logo.data, maintype, subtype, cid=f"<{logo_cid}>", filename="logo")
    if pdf is not None:
        message.add_attachment(pdf, "application", "pdf", filename=filename)
    # Last: set_content and the multipart conversions move or drop the Content-* headers set before them.
    message["Content-Language"] = language
    return message
