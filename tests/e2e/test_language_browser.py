"""Switching the language on /account in a real Chromium: the board follows the user's choice, not the browser.

Needs /usr/bin/chromium: skipped without it, except under CI where a missing browser fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import Config
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from support import Clock, LiveServer, RecordingSleep, connector_for, simulator, source_config

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port with a technician and a synced Trengo desk of two tickets, in a SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('language') / 'deskpulse.db'}"
    db = Database(url)
    upgrade(db.engine)
    now = datetime.now(UTC)
    with db.session() as session:
        create_user(session, email="tess@example.test", role=Role.TECHNICIAN, now=now, password=PASSWORD, name="Tess")
    scenario = TrengoScenario.empty(now=now)
    agent = next(iter(scenario.users))
    scenario.add_ticket(status="ASSIGNED", created_at=now - timedelta(hours=3), subject="Printer jammed", user_id=agent)
    scenario.add_ticket(status="OPEN", created_at=now - timedelta(hours=1), subject="VPN drops", user_id=None)
    src = source_config()
    config = Config(database_url=url, sources=[src])
    engine = SyncEngine(db, config, src, connector_for(simulator(scenario), src, RecordingSleep()), clock=Clock(now))
    assert asyncio.run(engine.run_cycle()).ok
    with LiveServer(create_app(config, db=db)) as live:
        yield live.url
    db.dispose()


@pytest.fixture
def english_page(browser: Any) -> Iterator[Any]:
    """A page whose browser asks for English (Accept-Language: en-US), collecting console and page errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda msg: tab.problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: tab.problems.append(f"page error: {exc}"))
    yield tab
    context.close()


def test_choosing_nederlands_on_the_account_page_shows_the_board_in_dutch(server: str, english_page: Any) -> None:
    page = english_page
    page.goto(f"{server}/login?next=%2Faccount")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#login-email", "tess@example.test")
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid='login-form'] button[type='submit']")
    page.wait_for_url(f"{server}/account")

    page.goto(f"{server}/board")
    assert page.locator("h1").inner_text() == "Board"
    assert page.locator("html").get_attribute("lang") == "en"

    page.goto(f"{server}/account")
    page.select_option("[data-testid='language-choice']", "nl")
    page.click("[data-testid='language-save']")
    page.wait_for_url(f"{server}/account?done=language")
    assert page.locator("[data-testid='notice']").inner_text() == "Je taal is opgeslagen."
    assert page.locator("html").get_attribute("lang") == "nl"

    page.click("[data-testid='menu-board']")
    page.wait_for_url(f"{server}/board")
    assert page.locator("h1").inner_text() == "Bord"
    headings = page.locator("[data-section] h2").all_inner_texts()
    assert any(h.startswith("Wacht op medewerker") for h in headings), headings
    columns = page.locator("thead th").all_text_contents()  # inner text is upper-cased by CSS
    assert "Aanvrager" in columns and "Prioriteit" in columns and "Requester" not in columns
    assert page.locator("[data-testid='sign-out']").inner_text() == "Afmelden"
    # theme.js relabels the switch after loading: in the page's language, not in English.
    toggle = page.locator("[data-testid='theme-toggle']")
    assert toggle.get_attribute("aria-label") in ("Donker thema inschakelen", "Licht thema inschakelen")
    toggle.click()
    assert toggle.get_attribute("title") in ("Donker thema inschakelen", "Licht thema inschakelen")

    # The dashboard's scripts write in Dutch too: the "as of" line and the live indicator's toggle.
    page.goto(f"{server}/")
    page.wait_for_selector("body[data-loaded='true']")
    assert page.locator("[data-testid='data-as-of']").inner_text().startswith("Gegevens van ")
    assert page.locator("[data-testid='live-toggle']").inner_text() == "Automatisch vernieuwen"

    page.goto(f"{server}/account")
    page.select_option("[data-testid='language-choice']", "")
    page.click("[data-testid='language-save']")
    page.wait_for_url(f"{server}/account?done=language")
    page.goto(f"{server}/board")
    assert page.locator("h1").inner_text() == "Board"  # back to the browser's English
    assert page.problems == []
