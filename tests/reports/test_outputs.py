"""The rendered report: e-mail that mail clients accept, a PDF with the client on page 1, escaped vendor text,
Dutch, empty sections, and graceful fallbacks without vl-convert or WeasyPrint."""

from __future__ import annotations

import email
import email.policy
import io
import re
import sys
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from deskpulse.reports.outputs import build_outputs
from deskpulse.reports.period import parse_period
from deskpulse.reports.period_names import period_label
from deskpulse.reports.settings import ReportsConfig
from reports_support import sample

AMS = ZoneInfo("Europe/Amsterdam")
CONFIG = ReportsConfig(company_name="Northwind IT", footer_text="Northwind IT · Keizersgracht 1")


def _build(doc: dict[str, Any], language: str = "en") -> Any:
    return build_outputs(doc, CONFIG, language, sender="reports@msp.test", to=["it@acme.test"], cc=["b@acme.test"])


@pytest.fixture(scope="module")
def built() -> Any:
    return _build(sample())


def test_the_email_has_text_and_html_parts_and_every_inline_image_resolves(built: Any) -> None:
    message = email.message_from_bytes(built.eml, policy=email.policy.default)
    assert message["To"] == "it@acme.test" and message["Cc"] == "b@acme.test"
    assert message["Subject"] == "Northwind IT: service report Acme, October 2026"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Opened: 41" in text.get_content()
    content = html.get_content()
    cids = set(re.findall(r'src="cid:([^"]+)"', content))
    assert len(cids) == 2  # the daily chart and the priority chart
    attached = {"".join(str(part["Content-ID"]).split()).strip("<>") for part in message.walk() if part["Content-ID"]}
    assert cids <= attached
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert all(p.get_payload(decode=True).startswith(b"\x89PNG") for p in images)
    pdfs = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in pdfs] == ["report-acme-2026-10.pdf"]


def test_the_email_html_is_self_contained_with_styles_inlined_and_no_scripts(built: Any) -> None:
    message = email.message_from_bytes(built.eml, policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert not re.search(r"https?://", html)
    assert "<script" not in html.lower() and "<style" not in html.lower()
    assert 'style="' in html and "<table" in html


def test_the_pdf_opens_with_the_client_on_page_one_and_page_numbers(built: Any) -> None:
    reader = PdfReader(io.BytesIO(built.pdf))
    assert 3 <= len(reader.pages) <= 10
    first = reader.pages[0].extract_text()
    assert "Acme" in first and "October 2026" in first
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    assert "Acme · October 2026" in reader.pages[1].extract_text()  # the running header


def test_vendor_text_is_printed_as_text_never_as_markup(built: Any) -> None:
    html = built.html.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<b>three</b>" not in html and "&lt;b&gt;three&lt;/b&gt;" in html


def test_a_dutch_client_gets_a_dutch_report() -> None:
    out = _build(sample("globex", "Globex"), "nl")
    html = out.html.decode()
    assert 'lang="nl"' in html and "Servicerapport" in html and "oktober 2026" in html and "90,9%" in html
    first = PdfReader(io.BytesIO(out.pdf)).pages[0].extract_text()
    assert "Globex" in first and "Pagina 1 van" in PdfReader(io.BytesIO(out.pdf)).pages[0].extract_text()
    # Headings, the definitions appendix and the e-mail come from the Dutch catalog; none of the English is left.
    assert "Vorige periode: september 2026" in html and "Bijlage: begrippen" in html and "Eerste reactietijd" in html
    in_english = _build(sample("globex", "Globex")).html.decode()
    for english in ("Summary", "Previous period", "Hours worked", "First response time", "of 38 resolved tickets"):
        assert english not in html and english in in_english, english
    message = email.message_from_bytes(out.eml, policy=email.policy.default)
    assert message["Subject"] == "Northwind IT: servicerapport Globex, oktober 2026"
    assert message["Content-Language"] == "nl"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "In de bijlage vindt u het servicerapport over oktober 2026 als PDF." in text and "Geopend: " in text
    assert "Opened" not in text and "Met vriendelijke groet," in text


def test_period_labels_use_the_language_s_month_names() -> None:
    october = parse_period("2026-10", AMS).as_dict()
    assert period_label(october, "nl") == "oktober 2026" and period_label(october, "en") == "October 2026"
    assert period_label(parse_period("2026-Q3", AMS).as_dict(), "nl") == "Q3 2026"
    days = parse_period("2026-10-01..2026-10-15", AMS).as_dict()
    assert period_label(days, "nl") == "1 oktober 2026 – 15 oktober 2026"
    assert period_label(days, "en") == "1 October 2026 – 15 October 2026" == days["label"]
    assert period_label({"key": "2026-10", "label": "October 2026"}, "nl") == "October 2026"  # no bounds: as stored


def test_sections_without_data_say_so_instead_of_showing_zeros() -> None:
    doc = sample()
    doc.update(csat=None, hours=None, uptime=None, first_contact_resolution=None, by_category=[], top_requesters=[])
    html = _build(doc).html.decode()
    for heading in ("Customer satisfaction", "Hours worked", "Service availability", "Top requesters"):
        after = html.split(f">{heading}</h2>", 1)[1]
        assert after.lstrip().startswith('<p class="empty">No data this period.</p>'), heading


def test_without_vl_convert_the_report_shows_tables_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import now raises ImportError
    out = _build(sample())
    assert any("vl-convert-python" in note for note in out.notes)
    html = out.html.decode()
    assert "<svg" not in html and "Chart not available on this server" in html
    assert "2026-10-31" in html  # the daily table stands in for the chart
    message = email.message_from_bytes(out.eml, policy=email.policy.default)
    assert not [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert out.pdf is not None and out.pdf.startswith(b"%PDF")


def test_without_weasyprint_there_is_no_pdf_and_the_notes_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    out = _build(sample())
    assert out.pdf is None
    assert any("PDF is not available" in note for note in out.notes)
    message = email.message_from_bytes(out.eml, policy=email.policy.default)
    assert not [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert message.get_body(preferencelist=("html",)) is not None


def test_the_logo_is_embedded_in_the_html_and_an_inline_image_of_the_email(tmp_path: Any) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    config = ReportsConfig(logo_file=str(logo), company_name="Northwind IT")
    out = build_outputs(sample(), config, "en", sender="r@msp.test", to=["it@acme.test"], cc=[])
    assert 'src="data:image/png;base64,' in out.html.decode()
    message = email.message_from_bytes(out.eml, policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    [logo_cid] = [c for c in re.findall(r'src="cid:([^"]+)"', html) if c.startswith("logo.")]
    parts = {"".join(str(p["Content-ID"]).split()).strip("<>"): p for p in message.walk() if p["Content-ID"]}
    assert parts[logo_cid].get_content_type() == "image/png"


def test_a_logo_file_that_is_not_an_image_is_refused_with_a_sentence(tmp_path: Any) -> None:
    from deskpulse.reports.render import BrandingError

    config = ReportsConfig(logo_file=str(tmp_path / "logo.exe"))
    with pytest.raises(BrandingError, match="must be a PNG, JPEG or SVG"):
        build_outputs(sample(), config, "en", sender="r@msp.test", to=[], cc=[])
