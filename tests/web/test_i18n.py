"""Dutch and English: complete catalogs, the language a request gets, and locale-aware dates and numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from deskpulse.domain.sla_badge import format_duration
from deskpulse.domain.ticket_board import SECTION_TITLES
from deskpulse.web import board_page, i18n, metrics_pages
from deskpulse.web.api.desk_metrics import COMPLIANCE_DEFINITION

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "deskpulse" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%\(\w+\)02d|\{\w+\}")


def extracted() -> dict[str, list[str]]:
    """msgid -> where it was found, extracted exactly as ``make i18n`` does (babel.cfg, keywords incl. N_)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: dict[str, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(filename)
    return found


def dutch_catalog():  # type: ignore[no-untyped-def]
    with open(LOCALE / "nl" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def test_every_ui_string_in_code_and_templates_has_a_dutch_translation() -> None:
    catalog = dutch_catalog()
    problems = []
    for msgid, where in sorted(extracted().items()):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"not in nl/messages.po (run `make i18n`): {msgid!r} from {where[0]}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            problems.append(f"no Dutch text: {msgid!r} from {where[0]}")
        if message.fuzzy:
            problems.append(f"fuzzy (check and remove the flag): {msgid!r}")
    assert not problems, "\n".join(problems)


def test_the_catalog_holds_the_strings_the_pages_use() -> None:
    found = extracted()
    # A handful that must be there whatever else changes: the menu, the board and the sign-in page.
    for msgid in ("Sign in", "Board", "Open tickets", "Assigned", "First response", "Sign out"):
        assert msgid in found, msgid
    assert len(found) > 250


def test_dutch_translations_keep_every_placeholder_of_the_english_text() -> None:
    for message in dutch_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == expected, (message.id, text)


def test_the_compiled_dutch_catalog_inside_the_package_matches_its_po_file() -> None:
    def pairs(catalog):  # type: ignore[no-untyped-def]
        as_tuple = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
        return {as_tuple(m.id): as_tuple(m.string) for m in catalog if m.id}

    compiled = read_mo(BytesIO((LOCALE / "nl" / "LC_MESSAGES" / "messages.mo").read_bytes()))
    assert pairs(compiled) == pairs(dutch_catalog()), "messages.mo is older than messages.po: run `make i18n`"


def test_strings_repeated_for_the_catalog_stay_equal_to_their_source() -> None:
    assert metrics_pages.DEFINITION_FOR_CATALOG == COMPLIANCE_DEFINITION
    assert {title for _, title in SECTION_TITLES} <= set(board_page.SECTION_TITLES)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", "nl"),
        ("en-GB,en;q=0.9,nl;q=0.8", "en"),
        ("de-DE,de;q=0.9,nl;q=0.5,en;q=0.4", "nl"),
        ("fr, de", "en"),
        ("", "en"),
        (None, "en"),
        ("nl;q=0, en;q=0.1", "en"),
        ("nl-BE", "nl"),
        ("en;q=0.5, nl;q=0.6", "nl"),
        ("en;q=bad, nl;q=0.2", "nl"),
        ("*", "en"),
    ],
)
def test_the_browser_language_is_the_best_supported_accept_language_entry(header: str | None, expected: str) -> None:
    assert i18n.browser_language(header) == expected


tags = st.sampled_from(["nl", "nl-NL", "en", "en-US", "de", "fr-BE", "*", "xx"])
entries = st.tuples(tags, st.one_of(st.none(), st.floats(min_value=0, max_value=1)))


@given(st.lists(entries, max_size=6))
def test_the_browser_language_is_always_supported_and_never_one_the_browser_refused(
    parts: list[tuple[str, float | None]],
) -> None:
    header = ", ".join(tag if q is None else f"{tag};q={q:.3f}" for tag, q in parts)
    chosen = i18n.browser_language(header)
    assert chosen in i18n.LANGUAGES
    accepted = {i18n.supported(tag) for tag, q in parts if q is None or round(q, 3) > 0} - {None}
    if accepted:
        assert chosen in accepted
    else:
        assert chosen == "en"


def test_numbers_and_percentages_follow_the_language() -> None:
    assert i18n.format_number(1234.5, "nl") == "1.234,5"
    assert i18n.format_number(1234.5, "en") == "1,234.5"
    assert i18n.format_number(1234567, "nl", 0) == "1.234.567"
    assert i18n.format_number(None, "nl") == "–"
    assert i18n.format_number(30, "nl", 1, fixed=True) == "30,0"
    assert i18n.format_number(30, "en", 1, fixed=True) == "30.0"
    assert i18n.format_share(97.5, "nl") == "97,5%"
    assert i18n.format_share(97.5, "en") == "97.5%"
    assert i18n.format_share(100, "nl") == "100%"


def test_dates_are_shown_in_the_desk_time_zone_in_the_language_s_format() -> None:
    moment = datetime(2026, 3, 5, 8, 7, tzinfo=UTC)
    zone = ZoneInfo("Europe/Amsterdam")
    assert i18n.format_local_datetime(moment, zone, "nl") == "5-3-2026 09:07"
    assert i18n.format_local_datetime(moment, zone, "en") == "2026-03-05 09:07"


@given(st.integers(min_value=-(10**8), max_value=10**8))
def test_english_durations_equal_the_domain_s_and_dutch_ones_only_swap_the_hour_unit(seconds: int) -> None:
    assert i18n.format_duration_in(seconds, "en") == format_duration(seconds)
    assert i18n.format_duration_in(seconds, "nl") == format_duration(seconds).replace(" h", " u")


def test_code_strings_translate_and_fill_their_placeholders() -> None:
    _ = i18n.translator_for("nl")
    assert _("Too many wrong passwords. Try again in %(wait)s.", wait="5 minuten") == (
        "Te vaak een verkeerd wachtwoord. Probeer het over 5 minuten opnieuw."
    )
    assert i18n.translator_for("en")("Open tickets") == "Open tickets"
    assert _("A sentence nobody translated.") == "A sentence nobody translated."


def test_page_times_follow_a_time_zone_changed_while_running() -> None:
    from jinja2 import Environment

    zone = {"now": ZoneInfo("Europe/Amsterdam")}
    env = Environment(autoescape=True)
    i18n.install_i18n(env, lambda: zone["now"])
    template = env.from_string("{{ at|localtime }}")
    at = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert template.render(at=at, language="en") == "2026-11-22 13:00"
    zone["now"] = ZoneInfo("America/New_York")  # saved under Settings: the next render uses it
    assert template.render(at=at, language="en") == "2026-11-22 07:00"
