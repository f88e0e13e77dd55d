"""Pages in Dutch and English: no bare English left in converted templates, the language each visitor gets,
the per-user choice on /account, and Dutch dates and numbers on rendered pages."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alerts_support import T0, Desk, alerts, desk_config
from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.auth import kiosk, sessions
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import ClientConfig, Config, SmtpConfig
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.auth_tables import UserRow
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.tv_config import TvPlaylist
from deskpulse.web.app import create_app
from deskpulse.web.i18n import SCRIPT_STRINGS
from support import Clock, RecordingSleep, api_key_for, connector_for, simulator, source_config
from uptime_store_support import AFTER_OCTOBER, GRAPH_YAML, config, seed_month, settings
from web.test_tv_api import ALL_BOARDS, build_tv_desk, tv_config

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "deskpulse" / "web" / "templates"
# Every page, partial and report template: none may show English outside gettext.
CONVERTED = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))
# Text a template may show untranslated: product and unit names, a shell command, example action names.
ALLOWED_BARE = {"deskpulse", "MAPE", "deskpulse uptime import FILE", "user, kiosk.open"}
ALLOWED_BARE |= {"deskpulse TV", "HTML", "PDF", "Message-ID"}  # a product name, download formats, a mail header
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}
DUTCH = {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


class VisibleText(HTMLParser):
    """Text nodes and the attributes people read or hear (aria-label, title, placeholder), without scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("aria-label", "title", "placeholder") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " | ".join(parser.parts)


def bare_text(source: str) -> list[str]:
    """Words a template shows outside ``_()``/``{% trans %}``: Jinja removed, then text nodes and read attributes."""
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"{%-?\s*trans\b.*?endtrans\s*-?%}", "", source, flags=re.S)
    source = re.sub(r"{% block main_class %}.*?{% endblock %}", "", source)  # a CSS class, not text
    source = re.sub(r"{{.*?}}|{%.*?%}", "", source, flags=re.S)
    source = re.sub(r"<(script|style|svg)\b.*?</\1>", "", source, flags=re.S)
    found = []
    for attr in re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', source):
        found.append(attr.strip())
    text = re.sub(r"<[^>]*>", "\n", source)
    found += [line.strip() for line in text.splitlines()]
    words = [t.strip(" ·–-:;,.()") for t in found]
    return [t for t in words if re.search(r"[A-Za-z]{2,}", t) and t not in ALLOWED_BARE and not t.startswith("/")]


@pytest.mark.parametrize("name", CONVERTED)
def test_a_converted_template_shows_no_english_outside_gettext(name: str) -> None:
    assert bare_text((TEMPLATES / name).read_text(encoding="utf-8")) == []


def test_the_bare_text_scan_finds_english_that_is_not_wrapped() -> None:
    sample = '<h2>{{ _("Fine") }}</h2><p title="Plain words">{% trans n=1 %}Also {{ n }} fine{% endtrans %} Oops</p>'
    assert bare_text(sample) == ["Plain words", "Oops"]


# --- rendered pages -----------------------------------------------------------------------------------------


@pytest.fixture
def desk(db: Database) -> Iterator[tuple[FastAPI, TestClient]]:
    """A synced Trengo desk with tickets of two clients; the app and a client that follows no redirects."""
    scenario = TrengoScenario.empty(now=NOW)
    agent = next(iter(scenario.users))
    for email, subject, user in (("ann@acme.test", "Printer jammed", agent), ("cy@globex.test", "Payroll down", None)):
        ticket = scenario.add_ticket(
            status="ASSIGNED" if user else "OPEN", created_at=NOW - timedelta(hours=2), subject=subject, user_id=user
        )
        ticket["contact"] = {**ticket["contact"], "email": email}
    src = source_config()
    clients = [ClientConfig(id="acme", name="ACME", email_domains=["acme.test"])]
    cfg = Config(sources=[src], clients=clients)
    engine = SyncEngine(db, cfg, src, connector_for(simulator(scenario), src, RecordingSleep()), clock=Clock(NOW))
    assert asyncio.run(engine.run_cycle()).ok
    app = create_app(cfg, db=db)
    with TestClient(app, follow_redirects=False) as client:
        yield app, client


def get(client: TestClient, path: str, key: str | None = None, **headers: str) -> str:
    response = client.get(path, headers={**headers, **({"X-API-Key": key} if key else {})})
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.text


# English labels each page shows; in Dutch none of them may be left. (Words spelt the same in both languages,
# like "Open", "Status" or "Team", are not listed.)
PAGES = {
    "/": ["Total open", "Assigned per agent", "Ticket history", "Age of open tickets", "Closed per day",
          "New today", "Loading data", "Skip to content", "Switch to dark theme", "Times in your local time"],
    "/board": ["Board views", "Requester", "Priority", "Subject", "Updated", "active · as of", "Waiting on agent",
               "ago", "Nothing here."],
    "/sla": ["At risk", "Breached", "Compliance, last", "First response", "Resolution", "By priority",
             "Service desk pages", "Workload"],
    "/workload": ["Queues", "Technicians", "Average age", "Oldest", "Hours logged"],
    "/trends": ["Backlog and 14-day forecast", "Created and resolved per day", "Resolved"],
    "/admin/users": ["Users and API keys", "Add a user", "Create an API key", "Last sign-in", "Deactivate",
                     "Two-factor", "Limit to clients"],
    "/admin/audit": ["Audit log", "Since (UTC)", "When (UTC)", "newest first", "Newer"],
}  # fmt: skip


@pytest.mark.parametrize("path", list(PAGES))
def test_each_converted_page_in_dutch_keeps_none_of_its_english_labels(
    desk: tuple[FastAPI, TestClient], db: Database, path: str
) -> None:
    _, client = desk
    key = api_key_for(db, "admin")
    english = visible(get(client, path, key, **ENGLISH))
    dutch_html = get(client, path, key, **DUTCH)
    dutch = visible(dutch_html)
    for label in PAGES[path]:
        if label == "Newer" and label not in english:
            continue  # the pager shows only with more than one page of entries
        assert label in english, f"{path}: {label!r} is not on the English page, so the check proves nothing"
        assert label not in dutch, f"{path}: {label!r} is still English on the Dutch page"
    assert '<html lang="nl">' in dutch_html


def test_the_board_in_dutch_shows_dutch_sections_badges_and_headings(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    text = visible(get(client, "/board", api_key_for(db, "technician"), **DUTCH))
    for label in ("Bord", "Aanvrager", "Prioriteit", "Medewerker", "Wacht op medewerker", "geleden", "actief"):
        assert label in text, label


def test_a_ticket_page_in_dutch_names_its_clocks_and_dates_the_dutch_way(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    key = api_key_for(db, "admin")
    ticket = client.get("/api/tickets?state=all", headers={"X-API-Key": key}).json()["items"][0]
    path = f"/tickets/{ticket['source']}:{ticket['id']}"
    dutch = visible(get(client, path, key, **DUTCH))
    english = visible(get(client, path, key, **ENGLISH))
    assert "Klok eerste reactie" in dutch and "First response clock" in english
    assert "First response clock" not in dutch and "created" not in dutch
    # 08:00 UTC on 18 November is 09:00 in Amsterdam, shown day-month-year in Dutch, ISO-like in English.
    assert "aangemaakt 18-11-2026 09:00" in dutch
    assert "created 2026-11-18 09:00" in english


def test_the_portal_and_the_sign_in_page_follow_the_browser_language(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    portal = visible(get(client, "/portal", api_key_for(db, "customer", ("acme",)), **DUTCH))
    assert "Openstaande tickets" in portal and "Geopend" in portal and "Open tickets" not in portal
    login_nl = get(client, "/login", **DUTCH)
    assert '<html lang="nl">' in login_nl and "Aanmelden bij deskpulse" in login_nl and "Password" not in login_nl
    login_en = get(client, "/login", **ENGLISH)
    assert '<html lang="en">' in login_en and "Sign in to deskpulse" in login_en
    assert '<html lang="en">' in get(client, "/login")  # no header at all: English
    assert "Aanmelden" in get(client, "/login", **{"Accept-Language": "de-DE,de;q=0.9,nl;q=0.4"})


SCRIPTS = TEMPLATES.parent / "static" / "js"


def script_strings(html: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="script-strings">(.*?)</script>', html, re.S)
    assert found is not None, "the page carries no script strings"
    table: dict[str, str] = json.loads(found.group(1))
    return table


def test_every_sentence_the_scripts_translate_is_listed_for_the_catalog() -> None:
    used = {m for path in SCRIPTS.glob("*.js") for m in re.findall(r'\bt\(\s*"([^"]+)"', path.read_text("utf-8"))}
    assert "Data as of {time}" in used  # the scan finds the calls at all
    assert used <= set(SCRIPT_STRINGS), used - set(SCRIPT_STRINGS)


def test_pages_hand_their_scripts_the_sentences_in_the_page_s_language(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    key = api_key_for(db, "admin")
    dutch = script_strings(get(client, "/", key, **DUTCH))
    assert dutch["Data as of {time}"] == "Gegevens van {time}"
    assert dutch["Auto-refresh"] == "Automatisch vernieuwen"
    assert set(dutch) <= set(SCRIPT_STRINGS) and "Live" not in dutch  # the same word in both is left out
    assert script_strings(get(client, "/", key, **ENGLISH)) == {}


@pytest.mark.parametrize(
    ("path", "status", "english", "dutch"),
    [
        ("/password-reset", 200, "Enter the e-mail address of your account", "Voer het e-mailadres van je account in"),
        ("/password-reset/not-a-token", 400, "This link cannot be used", "Deze link kan niet worden gebruikt"),
        ("/kiosk/not-a-link", 404, "This kiosk link is not valid", "Deze kiosklink is niet geldig"),
    ],
)
def test_anonymous_pages_speak_the_browser_s_language(
    desk: tuple[FastAPI, TestClient], path: str, status: int, english: str, dutch: str
) -> None:
    _, client = desk
    in_dutch = client.get(path, headers=DUTCH)
    in_english = client.get(path, headers=ENGLISH)
    assert in_dutch.status_code == in_english.status_code == status
    assert dutch in in_dutch.text and english not in in_dutch.text and '<html lang="nl">' in in_dutch.text
    assert english in in_english.text


def test_form_errors_and_notices_made_in_code_are_translated(desk: tuple[FastAPI, TestClient], db: Database) -> None:
    _, client = desk
    add_user(db, "tess@example.test")
    wrong = client.post("/login", data={"email": "tess@example.test", "password": "nope", "next": "/"},
                        headers={**ORIGIN, **DUTCH})  # fmt: skip
    assert wrong.status_code == 400 and "E-mailadres of wachtwoord klopt niet." in wrong.text
    assert "Je bent afgemeld." in get(client, "/login?done=signed-out", **DUTCH)
    assert "You have signed out." in get(client, "/login?done=signed-out", **ENGLISH)


class Inbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailer(db: Database) -> Iterator[tuple[TestClient, Inbox]]:
    """The app with an SMTP server on a free loopback port that keeps what it receives."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", from_address="desk@example.test")
    try:
        with TestClient(create_app(Config(smtp=smtp), db=db), follow_redirects=False) as client:
            yield client, inbox
    finally:
        controller.stop()


def test_the_reset_mail_speaks_the_account_s_language_else_the_asking_browser_s(
    mailer: tuple[TestClient, Inbox], db: Database
) -> None:
    client, inbox = mailer
    add_user(db, "tess@example.test")
    add_user(db, "eric@example.test", language="en")
    for email in ("tess@example.test", "eric@example.test"):
        response = client.post("/password-reset", data={"email": email}, headers={**ORIGIN, **DUTCH})
        assert response.status_code == 202 and "hebben we een link gestuurd" in response.text
    dutch, english = inbox.messages
    assert dutch["Subject"] == "Stel je deskpulse-wachtwoord opnieuw in"
    assert "Open deze link binnen een uur" in dutch.get_payload(decode=True).decode()
    assert english["Subject"] == "Reset your deskpulse password"  # eric chose English on his account
    assert "Open this link within one hour" in english.get_payload(decode=True).decode()


def add_user(db: Database, email: str, language: str | None = None) -> int:
    with db.session() as session:
        user = create_user(session, email=email, role=Role.TECHNICIAN, now=NOW, password=PASSWORD, name="Tess")
        user.language = language
        return user.id


def signed_in(client: TestClient, email: str) -> TestClient:
    response = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/"}, headers=ORIGIN)
    assert response.status_code == 303, response.text
    assert client.cookies.get(sessions.COOKIE)
    return client


def stored_language(db: Database, email: str) -> str | None:
    with db.session() as session:
        user = session.query(UserRow).filter_by(email=email).one()
        return user.language


def test_a_user_s_language_choice_beats_the_browser_and_browser_default_follows_it_again(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    add_user(db, "tess@example.test")
    signed_in(client, "tess@example.test")
    assert "Your account" in get(client, "/account", **ENGLISH)

    saved = client.post("/account/language", data={"language": "nl"}, headers={**ORIGIN, **ENGLISH})
    assert saved.status_code == 303 and saved.headers["location"] == "/account?done=language"
    assert stored_language(db, "tess@example.test") == "nl"
    account = get(client, "/account?done=language", **ENGLISH)
    assert '<html lang="nl">' in account and "Je account" in account and "Je taal is opgeslagen." in account
    dashboard = visible(get(client, "/", **ENGLISH))
    assert "Openstaande tickets nu" in dashboard and "Afmelden" in dashboard and "Hoofdmenu" in dashboard
    assert "Sign out" not in dashboard and "technician" not in dashboard and "technicus" in dashboard
    board = visible(get(client, "/board", **ENGLISH))
    assert "Mijn tickets" in board and "My tickets" not in board
    assert 'value="nl" lang="nl" selected' in account

    client.post("/account/language", data={"language": ""}, headers={**ORIGIN, **ENGLISH})
    assert stored_language(db, "tess@example.test") is None
    assert "Your account" in get(client, "/account", **ENGLISH)
    assert "Je account" in get(client, "/account", **DUTCH)


def test_a_language_deskpulse_does_not_speak_is_refused_with_a_sentence(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    add_user(db, "tess@example.test", language="nl")
    signed_in(client, "tess@example.test")
    refused = client.post("/account/language", data={"language": "fr"}, headers=ORIGIN)
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Kies een van: nl, en, of de standaardtaal van de browser."
    assert stored_language(db, "tess@example.test") == "nl"


def test_changing_the_language_needs_a_signed_in_user_and_a_same_site_form(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    assert client.post("/account/language", data={"language": "nl"}, headers=ORIGIN).status_code == 401
    add_user(db, "tess@example.test")
    signed_in(client, "tess@example.test")
    forged = client.post("/account/language", data={"language": "nl"}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    assert stored_language(db, "tess@example.test") is None


@pytest.fixture
def uptime_world(db: Database) -> Iterator[tuple[TestClient, str]]:
    app = create_app(config(settings(), source_config("helpdesk")), db=db)
    with time_machine.travel(AFTER_OCTOBER, tick=False), TestClient(app) as client:
        seed_month(db)
        key = api_key_for(db, "admin")
        response = client.post("/api/uptime/graphs/import", content=GRAPH_YAML, headers={"X-API-Key": key})
        assert response.status_code == 200, response.text
        yield client, key


def test_uptime_figures_use_a_decimal_comma_and_dutch_units_in_dutch(uptime_world: tuple[TestClient, str]) -> None:
    client, key = uptime_world
    english = get(client, "/uptime?period=2026-10", key, **ENGLISH)
    dutch = get(client, "/uptime?period=2026-10", key, **DUTCH)
    uptime_en = re.search(r'data-testid="kpi-uptime">([^<]*)<', english)
    uptime_nl = re.search(r'data-testid="kpi-uptime">([^<]*)<', dutch)
    assert uptime_en and uptime_nl
    assert uptime_nl.group(1) == uptime_en.group(1).replace(".", ",")
    text = visible(dutch)
    for english_label in ("Service uptime", "Key figures", "Budget left", "Downtime per month", "Export CSV"):
        assert english_label in visible(english) and english_label not in text, english_label
    assert "Beschikbaarheid van diensten" in text and "Resterend budget" in text


# --- client reports, the TV wall display, chart specs ---------------------------------------------------------


def test_the_report_pages_speak_dutch_to_a_dutch_visitor(desk: tuple[FastAPI, TestClient], db: Database) -> None:
    _, client = desk
    key = api_key_for(db, "admin")
    english, dutch = visible(get(client, "/reports", key, **ENGLISH)), visible(get(client, "/reports", key, **DUTCH))
    for label in ("Client reports", "New report", "Build report", "No reports here yet.", "Show"):
        assert label in english and label not in dutch, label
    assert "Klantrapporten" in dutch and "Rapport maken" in dutch and "Hier zijn nog geen rapporten." in dutch
    missing = client.get("/reports/999", headers={"X-API-Key": key, **DUTCH})
    assert missing.status_code == 404 and "Rapportrun 999 is niet gevonden." in missing.text


@pytest.fixture
def tv_screen(db: Database) -> Iterator[TestClient]:
    """The TV desk of the TV tests with playlist ``wall`` (no language) and ``lobby`` (always Dutch)."""
    config = tv_config(
        TvPlaylist(name="wall", title="Service desk", slides=ALL_BOARDS),
        TvPlaylist(name="lobby", title="Reception", slides=ALL_BOARDS, language="nl"),
    )
    build_tv_desk(db, config, NOW)
    with time_machine.travel(NOW, tick=False), TestClient(create_app(config, db=db), follow_redirects=False) as c:
        yield c


def tv_slide(client: TestClient, playlist: str, number: int, headers: dict[str, str]) -> Any:
    response = client.get(f"/api/tv/{playlist}/slides/{number}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_kiosk_tv_speaks_the_browser_s_language(tv_screen: TestClient, db: Database) -> None:
    with db.session() as session:
        _, secret = kiosk.create(session, name="TV", boards=["dashboard"], clients=None, creator=None, now=NOW)
    assert tv_screen.get(f"/kiosk/{secret}/tv/wall").status_code == 303  # a kiosk session: no user, no choice
    english_page, dutch_page = tv_screen.get("/tv/wall", headers=ENGLISH), tv_screen.get("/tv/wall", headers=DUTCH)
    assert '<html lang="en">' in english_page.text and '<html lang="nl">' in dutch_page.text
    english, dutch = visible(english_page.text), visible(dutch_page.text)
    for label in ("Open tickets", "Unassigned", "Closed today", "Open tickets by age", "Age"):
        assert label in english and label not in dutch, label
    assert "Niet toegewezen" in dutch and "Openstaande tickets naar leeftijd" in dutch
    assert script_strings(dutch_page.text)["Data is {minutes} min old"] == "Gegevens zijn {minutes} min oud"

    at_risk_en, at_risk_nl = tv_slide(tv_screen, "wall", 2, ENGLISH), tv_slide(tv_screen, "wall", 2, DUTCH)
    assert at_risk_en["title"] == "SLA at risk" and at_risk_nl["title"] == "SLA in gevaar"
    assert at_risk_nl["tables"][0]["columns"] == ["Ticket", "Prioriteit", "Tijd", "Klant", "Onderwerp"]
    words = {"OK": "OK", "Warning": "Waarschuwing", "Critical": "Kritiek"}
    pairs = zip(at_risk_en["widgets"] + at_risk_en["tables"][0]["rows"],
                at_risk_nl["widgets"] + at_risk_nl["tables"][0]["rows"], strict=True)  # fmt: skip
    assert all(nl["levelText"] == words[en["levelText"]] for en, nl in pairs)
    times = " ".join(r["cells"][2] for r in at_risk_nl["tables"][0]["rows"])
    assert "overdue" in " ".join(r["cells"][2] for r in at_risk_en["tables"][0]["rows"])
    assert "overdue" not in times and "left" not in times and "te laat" in times
    alerts = tv_slide(tv_screen, "wall", 4, DUTCH)["tables"][0]
    assert alerts["columns"] == ["Ernst", "Waarschuwing", "Toestand", "Leeftijd"]
    assert {(r["cells"][0], r["cells"][2]) for r in alerts["rows"]} == {("kritiek", "actief")}


def test_a_playlist_s_language_beats_the_browser_s(tv_screen: TestClient, db: Database) -> None:
    key = api_key_for(db, "admin")
    page = tv_screen.get("/tv/lobby", headers={"X-API-Key": key, **ENGLISH})
    assert page.status_code == 200 and '<html lang="nl">' in page.text and "Niet toegewezen" in page.text
    assert tv_slide(tv_screen, "lobby", 2, {"X-API-Key": key, **ENGLISH})["title"] == "SLA in gevaar"
    assert tv_slide(tv_screen, "wall", 2, {"X-API-Key": key, **ENGLISH})["title"] == "SLA at risk"


def test_chart_specs_carry_titles_and_legends_in_the_visitor_s_language(
    desk: tuple[FastAPI, TestClient], db: Database
) -> None:
    _, client = desk
    key = api_key_for(db, "admin")

    def spec(path: str, headers: dict[str, str]) -> Any:
        response = client.get(path, headers={"X-API-Key": key, **headers})
        assert response.status_code == 200, response.text
        return response.json()

    closed_en, closed_nl = (spec("/api/charts/closed-per-day", h) for h in (ENGLISH, DUTCH))
    assert closed_en["encoding"]["y"]["title"] == "Closed" and closed_nl["encoding"]["y"]["title"] == "Gesloten"
    assert [t["title"] for t in closed_nl["encoding"]["tooltip"]] == ["Dag", "Gesloten"]
    history_en, history_nl = (spec("/api/charts/history?range=7d", h)["layer"] for h in (ENGLISH, DUTCH))
    assert history_en[0]["encoding"]["color"]["scale"]["domain"] == ["Total", "Open", "Assigned"]
    assert history_nl[0]["encoding"]["color"]["scale"]["domain"] == ["Totaal", "Open", "Toegewezen"]
    assert history_nl[1]["encoding"]["tooltip"][0]["title"] == "Tijd"
    # The legend's labels are made from the series names by an expression; it must name the Dutch labels.
    assert "Toegewezen" in history_nl[0]["transform"][1]["calculate"]


# --- alerts and status pages -----------------------------------------------------------------------------------

ALERTS_SECTION = alerts(
    channels=[{"type": "webhook", "name": "hook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}],
    rules=[{"id": "p1", "name": "P1 overdue", "severity": "critical", "actions": {"channels": ["hook"]},
            "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30}}],
)  # fmt: skip
FIRES_AT = T0 + timedelta(minutes=90)


@pytest.fixture
def alerting(db: Database) -> Iterator[TestClient]:
    """A desk with one firing critical alert (fired 09:30 UTC on 18 November) and an unused webhook channel."""
    config = desk_config().model_copy(update={"alerts": ALERTS_SECTION})
    Desk(db, config).add("42", at=T0)
    with time_machine.travel(FIRES_AT, tick=False):
        assert len(asyncio.run(evaluate_and_apply(db, config, FIRES_AT, alerts=ALERTS_SECTION)).fired) == 1
        with TestClient(create_app(config, db=db), follow_redirects=False) as client:
            yield client


# Per page: English a visitor reads there, and the Dutch that replaces it.
ALERT_PAGES = {
    "/alerts": (["Open alerts", "Newest first", "Filter alerts", "Fired from", "title, message, subject or rule",
                 "Acknowledge", "critical", "level 1", "since 2026-11-18 09:30"],
                ["Openstaande waarschuwingen", "Nieuwste eerst", "Waarschuwingen filteren", "Afgegaan vanaf",
                 "Bevestigen", "kritiek", "actief", "niveau 1", "sinds 18-11-2026 09:30"]),
    "/alerts/1": (["History", "fired", "Subject", "Fired", "ago"],
                  ["Geschiedenis", "afgegaan", "Onderwerp", "Waarschuwing 1", "Afgegaan", "geleden"]),
    "/alerts/silences": (["Alert silences", "New silence", "maintenance window", "No silences."],
                         ["Dempingen van waarschuwingen", "Nieuwe demping", "onderhoudsvenster", "Geen dempingen."]),
    "/status/sources": (["Integration status", "Last poll", "Alert channels", "not used yet", "Send test notification"],
                        ["Status van koppelingen", "Laatste opvraging", "Meldingskanalen", "nog niet gebruikt",
                         "Testmelding versturen"]),
}  # fmt: skip


@pytest.mark.parametrize("path", list(ALERT_PAGES))
def test_the_alerts_and_status_pages_speak_dutch_to_a_dutch_visitor_and_english_to_an_english_one(
    alerting: TestClient, db: Database, path: str
) -> None:
    key = api_key_for(db, "admin")
    english, dutch = visible(get(alerting, path, key, **ENGLISH)), visible(get(alerting, path, key, **DUTCH))
    labels_en, labels_nl = ALERT_PAGES[path]
    for label in labels_en:
        assert label in english, f"{path}: {label!r} is not on the English page, so the check proves nothing"
        assert label not in dutch, f"{path}: {label!r} is still English on the Dutch page"
    for label in labels_nl:
        assert label in dutch, f"{path}: {label!r} is missing on the Dutch page"


def test_the_alerts_panel_on_the_board_follows_the_page_s_language(alerting: TestClient, db: Database) -> None:
    key = api_key_for(db, "technician")
    dutch = visible(get(alerting, "/board", key, **DUTCH))
    assert "1 actief · 0 bevestigd" in dutch and "Alle waarschuwingen en hun geschiedenis" in dutch
    assert "1 firing · 0 acknowledged" in visible(get(alerting, "/board", key, **ENGLISH))


def test_silence_problems_and_password_rules_are_told_in_the_page_s_language(
    alerting: TestClient, db: Database
) -> None:
    with db.session() as session:
        user = create_user(session, email="mia@example.test", role=Role.ADMIN, now=NOW, password=PASSWORD)
        user.language = "nl"
    signed_in(alerting, "mia@example.test")
    form = {"rule": "nope", "end": "2026-11-18T12:00", "comment": "Onderhoud"}
    refused = alerting.post("/alerts/silences", data=form, headers={**ORIGIN, **ENGLISH})
    assert refused.status_code == 400 and "Er is geen regel &#39;nope&#39;; bekend zijn: p1." in refused.text
    weak = alerting.post("/account/password", data={"current": PASSWORD, "new": "short", "repeat": "short"},
                         headers={**ORIGIN, **ENGLISH})  # fmt: skip
    assert weak.status_code == 400 and "Het wachtwoord moet minstens 10 tekens lang zijn." in weak.text
    new_user = {"email": "tom@example.test", "role": "technician", "password": "aaaaaaaaaaaa"}
    one_letter = alerting.post("/admin/users", data=new_user, headers={**ORIGIN, **ENGLISH})
    assert one_letter.status_code == 400 and "Het wachtwoord heeft meer verschillende tekens nodig." in one_letter.text
    api = alerting.post("/api/dashboard/alert-silences", json={**form, "end": "2026-11-18T12:00:00+00:00"},
                        headers={**ORIGIN, **DUTCH})  # fmt: skip
    assert api.status_code == 400 and "There is no rule 'nope'; known: p1." in api.text  # the JSON API stays English
