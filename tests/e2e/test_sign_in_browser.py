"""Signing in and out in a real Chromium against the real app served by uvicorn.

Needs /usr/bin/chromium: skipped without it, except under CI where a missing browser fails. With
DESKPULSE_SCREENSHOTS=<dir> the sign-in and account pages are saved there in light and dark.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.web import account
from deskpulse.web.app import create_app
from support import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port, with an admin and a viewer in a SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('signin') / 'deskpulse.db'}"
    db = Database(url)
    upgrade(db.engine)
    with db.session() as session:
        now = datetime.now(UTC)
        create_user(session, email="ada@example.test", role=Role.ADMIN, now=now, password=PASSWORD, name="Ada Admin")
        create_user(session, email="vic@example.test", role=Role.VIEWER, now=now, password=PASSWORD, name="Vic Viewer")
    app = create_app(Config(database_url=url), db=db)
    if not _has_login(app):
        app.include_router(account.router)  # until app.py includes it
    with LiveServer(app) as live:
        yield live.url
    db.dispose()


def _has_login(app: Any) -> bool:
    """True when app.py already includes the account router (it may sit inside a lazily included router)."""
    for route in app.routes:
        if getattr(route, "path", None) == "/login":
            return True
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts) and any(context.path == "/login" for context in contexts()):
            return True
    return False


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/login?next=%2F")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid='login-form'] button[type='submit']")
    page.wait_for_url(f"{base}/")
    page.wait_for_selector("[data-testid='user-menu']")


def test_a_viewer_signs_in_sees_the_dashboard_without_admin_links_and_signs_out(server: str, page: Any) -> None:
    sign_in(page, server, "vic@example.test")
    assert page.locator("[data-testid='summary-total']").is_visible()
    who = page.locator("[data-testid='menu-user']").inner_text()
    assert "Vic Viewer" in who and "viewer" in who.lower()
    assert page.locator("[data-testid='menu-admin-users']").count() == 0
    assert page.locator("[data-testid='menu-admin-audit']").count() == 0
    page.wait_for_selector("body[data-loaded='true']")
    if shots := os.environ.get("DESKPULSE_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/dashboard-viewer.png")

    page.click("[data-testid='sign-out']")
    page.wait_for_url(f"{server}/login?done=signed-out")
    assert "You have signed out." in page.locator("[data-testid='notice']").inner_text()
    page.goto(f"{server}/")
    assert page.url == f"{server}/login?next=%2F"
    assert page.problems == []


def test_an_admin_sees_the_admin_links(server: str, page: Any) -> None:
    sign_in(page, server, "ada@example.test")
    assert "Ada Admin" in page.locator("[data-testid='menu-user']").inner_text()
    assert page.locator("[data-testid='menu-admin-users']").get_attribute("href") == "/admin/users"
    assert page.locator("[data-testid='menu-admin-audit']").get_attribute("href") == "/admin/audit"
    page.wait_for_selector("body[data-loaded='true']")
    assert page.problems == []


def test_the_sign_in_and_account_pages_have_no_errors_in_either_theme(server: str, page: Any) -> None:
    shots = os.environ.get("DESKPULSE_SCREENSHOTS")
    page.goto(f"{server}/login")
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        if shots:
            page.screenshot(path=f"{shots}/login-{theme}.png", full_page=True)
    sign_in(page, server, "vic@example.test")
    page.goto(f"{server}/account")
    assert page.locator("[data-testid='account-email']").inner_text() == "vic@example.test"
    page.click("[data-testid='theme-toggle']")
    toggled = page.evaluate("document.documentElement.dataset.theme")
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        page.evaluate("localStorage.removeItem('deskpulse-theme')")
        page.reload()
        if shots:
            page.screenshot(path=f"{shots}/account-{theme}.png", full_page=True)
    assert toggled in ("light", "dark")
    assert page.problems == []
