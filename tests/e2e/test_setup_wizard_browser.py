"""The set-up wizard in a real Chromium: an admin adds a Freshservice source (a simulator on a real port), tests
the connection (a wrong key gets Freshservice's reason, the right one is accepted), sets the business hours, and
watches the first sync finish on the page without reloading it. Needs /usr/bin/chromium (see conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.secret_box import KEY_VARIABLE
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as freshservice_app
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.web.app import create_app
from support import LiveServer

pytestmark = pytest.mark.browser

EMAIL = "ada@example.test"
PASSWORD = "correct horse battery"
API_KEY = "fs-wizard-key-0123456789"
WAIT_MS = 30_000


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """(deskpulse URL, simulator API base): a desk with an admin and no source, syncing in its own process."""
    monkeypatch.setenv(KEY_VARIABLE, "wizard-test-key-" + "0" * 32)
    db = Database(f"sqlite:///{tmp_path / 'wizard.db'}")
    upgrade(db.engine)
    with db.session() as session:
        create_user(session, email=EMAIL, role=Role.ADMIN, now=utcnow(), password=PASSWORD)
    simulated = freshservice_app(FreshserviceScenario(seed=5, active_tickets=40, requesters=20), api_key=API_KEY,
                                 plan="enterprise")  # fmt: skip
    app = create_app(Config(database_url=str(db.engine.url)), db=db, run_sync=True)
    with LiveServer(simulated) as vendor, LiveServer(app) as desk:
        yield desk.url, f"{vendor.url}/api/v2"
    db.dispose()


def fill_in_a_freshservice_source(page: Any, base: str, vendor_api: str, api_key: str) -> None:
    """Sign in as the admin, open the wizard's first step and fill in a Freshservice source (not yet saved)."""
    page.goto(f"{base}/login?next=/setup/source")
    page.fill("#login-email", EMAIL)
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid='login-form'] button[type='submit']")
    page.wait_for_url(f"{base}/setup/source")
    page.click("[data-testid='kind-freshservice']")
    page.fill("[data-testid='field-name']", "helpdesk")
    page.fill("[data-testid='field-base_url']", vendor_api)
    page.fill("[data-testid='field-api_key']", api_key)
    page.select_option("#source-plan", "enterprise")


def test_the_wizard_adds_a_source_tests_it_and_shows_the_first_sync_live(page: Any, servers: Any) -> None:
    base, vendor_api = servers
    fill_in_a_freshservice_source(page, base, vendor_api, "not-the-key")
    result = page.locator("[data-testid='test-result']")
    page.click("[data-testid='test-connection']")
    page.wait_for_selector("[data-testid='test-result'][data-state='failed']", timeout=WAIT_MS)
    assert result.inner_text() == "✗ Freshservice refused the API key (401): check the key under Profile settings."
    page.fill("[data-testid='field-api_key']", API_KEY)
    page.click("[data-testid='test-connection']")
    page.wait_for_selector("[data-testid='test-result'][data-state='ok']", timeout=WAIT_MS)
    assert "API key accepted" in result.inner_text()

    page.click("[data-testid='save-source']")
    page.wait_for_url(f"{base}/setup/hours?source=helpdesk")
    assert API_KEY not in page.content()
    page.select_option("[data-testid='timezone']", "Europe/Amsterdam")
    page.fill("[data-testid='hours-sat']", "10:00-14:00")
    page.click("[data-testid='save-hours']")
    page.wait_for_url(f"{base}/setup/first-sync?source=helpdesk")
    page.evaluate("window.__samePage = true")
    state = page.locator("[data-testid='sync-state']")
    page.wait_for_selector("[data-testid='sync-state'][data-state='done']", timeout=WAIT_MS)
    assert page.evaluate("window.__samePage") is True  # updated in place, not by reloading
    done = state.inner_text()
    assert done.startswith("✓ Done:") and int(done.split()[2]) > 0, done
    assert page.locator("[data-testid='sync-done']").is_visible()

    page.goto(f"{base}/settings")
    row = page.locator("[data-source='helpdesk']")
    assert "••••6789" in row.inner_text() and API_KEY not in page.content()
    assert page.problems == []


def test_a_first_sync_refused_by_the_vendor_says_what_to_do_instead_of_the_raw_error(page: Any, servers: Any) -> None:
    base, vendor_api = servers
    fill_in_a_freshservice_source(page, base, vendor_api, "a-revoked-key")  # saved without testing it first
    page.click("[data-testid='save-source']")
    page.wait_for_url(f"{base}/setup/hours?source=helpdesk")
    page.click("[data-testid='save-hours']")
    page.wait_for_url(f"{base}/setup/first-sync?source=helpdesk")
    page.wait_for_selector("[data-testid='sync-state'][data-state='failed']", timeout=WAIT_MS)
    error = page.locator("[data-testid='sync-error']")
    assert error.is_visible()
    assert error.inner_text() == "Freshservice refused the API key (401): check the key under Profile settings."
    assert "HTTP 401" not in page.inner_text("main") and "Traceback" not in page.content()
    assert page.problems == []
