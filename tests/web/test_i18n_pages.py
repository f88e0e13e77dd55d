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

from deskpulse.auth import sessions
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import ClientConfig, Config, SmtpConfig
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.auth_tables import UserRow
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from deskpulse.web.i18n import SCRIPT_STRINGS
from support import Clock, RecordingSleep, api_key_for, connector_for, simulator, source_config
from uptime_store_support import AFTER_OCTOBER, GRAPH_YAML, config, seed_month, settings

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "deskpulse" / "web" / "templates"
# The templates this change converted; alerts, TV, settings/wizard and report templates follow later.
CONVERTED = [
    "base.html", "_user_menu.html", "_messages.html", "_live_status.html", "_account_layout.html", "login.html",
    "setup.html", "totp.html", "password_reset.html", "password_reset_request.html", "account.html",
    "account_totp.html", "admin_audit.html", "admin_users.html", "_admin_nav.html", "board.html", "dashboard.html",
    "portal.html", "kiosk_invalid.html", "ticket.html", "sla.html", "_sla_list.html", "workload.html", "trends.html",
    "_metrics_layout.html", "uptime.html", "uptime_service.html", "_uptime_layout.html",
]  # fmt: skip
# Text a template may show untranslated: product and unit names, a shell command, example action names.
ALLOWED_BARE = {"deskpulse", "MAPE", "deskpulse uptime import FILE", "user, kiosk.open"}
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
