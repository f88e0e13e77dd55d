"""The agents' board in a real Chromium: sections, vendor text rendered inert, details panel, both themes.

Needs /usr/bin/chromium: skipped without it, except under CI where a missing browser fails. With
DESKPULSE_SCREENSHOTS=<dir> the board is saved there in light and dark.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.board_config import BoardConfig, BoardView
from deskpulse.config import Config
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app as create_web_app
from support import LiveServer, RecordingSleep

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SCRIPT_SUBJECT = "<script>window.__pwned = 1</script>Zebra label printer"
IMG_DESCRIPTION = '<img src=x onerror="window.__pwned = 2">Screen flickers'
SETTINGS = FreshserviceSettings(
    name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port with a synced Freshservice desk holding two hostile tickets."""
    now = datetime.now(UTC)
    url = f"sqlite:///{tmp_path_factory.mktemp('board') / 'deskpulse.db'}"
    db = Database(url)
    upgrade(db.engine)
    scenario = FreshserviceScenario(21, active_tickets=30, history_days=0, now=now - timedelta(hours=4))
    group = sorted(scenario.groups)[0]
    scenario.add_ticket(created_at=now - timedelta(hours=3), subject=SCRIPT_SUBJECT, priority=4,
                        fr_due_by=now - timedelta(minutes=30), group_id=group)  # fmt: skip
    scenario.add_ticket(created_at=now - timedelta(hours=2), subject='<img src=x onerror="window.__pwned = 3">',
                        description=IMG_DESCRIPTION, group_id=group)  # fmt: skip
    scenario._now = int(now.timestamp())  # type: ignore[attr-defined]
    config = Config(
        database_url=url, sources=[SETTINGS],
        board=BoardConfig(views=[BoardView(name="first", title="First group", groups=[str(group)])]),
    )  # fmt: skip
    connector = FreshserviceConnector(
        SETTINGS, transport=httpx2.ASGITransport(app=create_app(scenario, plan="enterprise")), sleep=RecordingSleep()
    )
    result = asyncio.run(SyncEngine(db, config, SETTINGS, connector).run_cycle())
    assert result.ok, result.error
    with db.session() as session:
        create_user(session, email="tess@example.test", role=Role.TECHNICIAN, now=now, password=PASSWORD)
    with LiveServer(create_web_app(config, db=db)) as live:
        yield live.url
    db.dispose()


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login?next=/board")
    page.fill("#login-email", "tess@example.test")
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid='login-form'] button[type='submit']")
    page.wait_for_url(f"{base}/board")


def test_hostile_ticket_text_is_shown_as_text_and_never_runs(server: str, page: Any) -> None:
    sign_in(page, server)
    assert page.evaluate("window.__pwned === undefined")
    row = page.locator("tr", has_text="Zebra label printer").first
    assert SCRIPT_SUBJECT in row.inner_text(), "the markup is visible as text"
    assert row.locator("script").count() == 0
    assert page.locator("main img").count() == 0, "no vendor-supplied <img> element exists on the page"
    details = page.locator("details", has_text="onerror").first
    details.locator("summary").click()
    assert IMG_DESCRIPTION in details.locator("[data-testid='description']").inner_text()
    assert page.evaluate("window.__pwned === undefined")
    assert page.problems == []


def test_sections_views_and_both_themes(server: str, page: Any) -> None:
    sign_in(page, server)
    titles = page.locator("section.board-section[data-section] h2").all_inner_texts()
    assert [t.rsplit(" ", 1)[0] for t in titles] == [
        "Waiting on agent", "Needs agent / update overdue", "Open", "Other active",
    ]  # fmt: skip
    overdue = page.locator("tr", has_text="Zebra label printer").first
    assert "overdue by" in overdue.locator(".sla").inner_text()
    total = page.locator("tbody tr").count()
    page.click("[data-testid='view-first']")
    page.wait_for_url("**view=first**")
    assert 2 <= page.locator("tbody tr").count() < total
    shots = os.environ.get("DESKPULSE_SCREENSHOTS")
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        page.evaluate("localStorage.removeItem('deskpulse-theme')")
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        if shots:
            page.screenshot(path=f"{shots}/board-{theme}.png", full_page=True)
    page.click("[data-testid='theme-toggle']")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert page.problems == []
