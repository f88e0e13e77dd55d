"""Live pages in a real Chromium: they follow /api/stream and update in place, say how the connection is,
survive a server restart, can be paused, notify on critical alerts, and refresh themselves without JavaScript.

The web app does not sync itself: a test changes the Freshservice simulator and runs one sync cycle from its
own thread, and the web process learns of the commit through its store watch (about a second), exactly as a
``serve --web-only`` process next to a worker does. Needs /usr/bin/chromium (see conftest.py). With
DESKPULSE_SCREENSHOTS=<dir> every live page is saved there in light and dark.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from deskpulse.auth import kiosk
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.live.events import DESK, LiveEvent
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app as create_web_app
from support import LiveServer, RecordingSleep

pytestmark = pytest.mark.browser

EMAIL = "ada@example.test"
CUSTOMER = "carl@acme.test"
PASSWORD = "correct horse battery"
SETTINGS = FreshserviceSettings(
    name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1,
    poll_seconds=5,
)  # fmt: skip
WAIT_MS = 15_000
STATUS = "[data-testid='live-status']"
# Stands in for the browser's Notification API: records what the page shows and whether it asked.
FAKE_NOTIFICATION = """
window.__notes = [];
window.__asked = 0;
class FakeNotification {
  constructor(title, options) { window.__notes.push({ title, body: options.body, tag: options.tag }); }
  addEventListener() {}
  close() {}
}
FakeNotification.permission = "default";
FakeNotification.requestPermission = async () => {
  window.__asked += 1;
  FakeNotification.permission = "granted";
  return "granted";
};
window.Notification = FakeNotification;
"""


@dataclass
class Desk:
    """A synced Freshservice desk served on a real port; ``sync`` runs one cycle from the test's thread."""

    db: Database
    config: Config
    scenario: FreshserviceScenario
    simulator: Any
    app: Any = None
    url: str = ""
    kiosk_secret: str = ""

    def serve(self, port: int | None = None) -> Served:
        """A new web app over the same store, started; it does not sync itself, it watches the store."""
        app = create_web_app(self.config, db=self.db)
        return Served(app, LiveServer(app, port=port).__enter__())

    def add_ticket(self, subject: str) -> int:
        """A new open ticket at the vendor, created now; returns its id."""
        now = datetime.now(UTC).replace(microsecond=0)
        self.scenario._now = int(now.timestamp())
        return int(self.scenario.add_ticket(created_at=now, subject=subject)["id"])

    def sync(self) -> None:
        """One sync cycle into the store, as a worker process would run it."""
        connector = FreshserviceConnector(
            SETTINGS, transport=httpx2.ASGITransport(app=self.simulator), sleep=RecordingSleep()
        )

        async def cycle() -> None:
            try:
                result = await SyncEngine(self.db, self.config, SETTINGS, connector).run_cycle()
                assert result.ok, result.error
            finally:
                await connector.aclose()

        # Playwright's sync API keeps an event loop running in this thread: run the cycle in another one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, cycle()).result()

    def publish(self, event: LiveEvent) -> None:
        """Hand ``event`` to the running app's hub (as a relay from Redis would)."""
        self.app.state.loop.call_soon_threadsafe(self.app.state.hub.publish, event)


@dataclass
class Served:
    """A running web app and its server."""

    app: Any
    live: LiveServer

    @property
    def url(self) -> str:
        return self.live.url

    def stop(self) -> None:
        """Stop the way SIGTERM stops ``deskpulse serve``: open streams get ``bye`` first."""
        if not self.live.thread.is_alive():
            return
        self.app.state.loop.call_soon_threadsafe(self.app.state.hub.close)
        self.live.__exit__(None, None, None)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A desk of a dozen tickets, synced once, served on a free port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'deskpulse.db'}"
    db = Database(url)
    upgrade(db.engine)
    scenario = FreshserviceScenario(7, active_tickets=12, history_days=0)
    config = Config(database_url=url, sources=[SETTINGS], clients=[ClientConfig(id="acme", name="Acme")])
    found = Desk(db, config, scenario, create_app(scenario, plan="enterprise"))
    found.sync()
    now = datetime.now(UTC)
    with db.session() as session:
        create_user(session, email=EMAIL, role=Role.ADMIN, now=now, password=PASSWORD)
        create_user(session, email=CUSTOMER, role=Role.CUSTOMER, now=now, password=PASSWORD, clients=["acme"])
        _, found.kiosk_secret = kiosk.create(
            session, name="Wall TV", boards=["dashboard"], clients=None, creator=None, now=now
        )
    served = found.serve()
    found.app, found.url = served.app, served.url
    try:
        yield found
    finally:
        served.stop()
        db.dispose()


def sign_in(page: Any, base: str, path: str, email: str = EMAIL) -> None:
    page.goto(f"{base}/login?next={path}")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid='login-form'] button[type='submit']")
    page.wait_for_url(f"{base}{path}")


def wait_for_state(page: Any, state: str, timeout: int = WAIT_MS) -> None:
    page.wait_for_selector(f"{STATUS}[data-state='{state}']", timeout=timeout)


def test_the_board_updates_in_place_when_a_ticket_changes_at_the_vendor(desk: Desk, page: Any) -> None:
    sign_in(page, desk.url, "/board")
    wait_for_state(page, "live")
    assert page.locator(STATUS).inner_text() == "Live"
    assert page.evaluate("document.querySelector('meta[http-equiv=\"refresh\"]')") is None, "JS replaces it"
    panel = page.locator("tr[data-ticket] details").first
    ticket = panel.evaluate("el => el.closest('[data-ticket]').dataset.ticket")
    panel.locator("summary").click()
    page.evaluate("window.__marker = 1; window.scrollTo(0, 200)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0

    desk.add_ticket("Coffee machine floods the third floor")
    desk.sync()

    page.locator("tr", has_text="Coffee machine floods the third floor").wait_for(timeout=WAIT_MS)
    assert page.evaluate("window.__marker") == 1, "the page was updated in place, not reloaded"
    assert page.locator(f"tr[data-ticket='{ticket}'] details").get_attribute("open") is not None
    assert page.evaluate("window.scrollY") == scrolled
    assert page.locator(STATUS).inner_text() == "Live"
    assert page.problems == []


def open_alert(db: Database, title: str) -> int:
    """A firing desk-wide alert written straight into the store (as an evaluation would leave it); its id."""
    now = datetime.now(UTC)
    key = f"rule:e2e|desk:{title}"
    with db.session() as session:
        row = AlertRow(dedupe_key=key, open_key=key, rule_id="e2e", rule_name="Browser test", subject="desk",
                       severity="warning", title=title, message="Raised by the browser test.", url="/board",
                       state="firing", level=1, policy={"levels": []}, silenced=False, fired_at=now, last_seen_at=now,
                       notify_count=0)  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def test_the_alerts_panel_updates_on_an_alerts_event_and_its_buttons_acknowledge_and_resolve(
    desk: Desk, page: Any
) -> None:
    sign_in(page, desk.url, "/board")
    wait_for_state(page, "live")
    page.evaluate("window.__marker = 1")
    alert_id = open_alert(desk.db, "Coffee machine alarm")
    data = {"id": alert_id, "title": "Coffee machine alarm", "message": "-", "severity": "warning", "url": "/board"}
    desk.publish(LiveEvent("alerts", "alert.fired", DESK, data, datetime.now(UTC)))
    item = page.locator(f"[data-alert='{alert_id}']")
    item.wait_for(timeout=WAIT_MS)
    assert page.evaluate("window.__marker") == 1, "the panel was updated in place, not by a navigation"
    assert item.locator(".severity-badge").inner_text().lower() == "warning"

    item.get_by_role("button", name=re.compile("^Acknowledge")).click()
    page.locator(f"[data-alert='{alert_id}'].alert-item--acknowledged").wait_for(timeout=WAIT_MS)
    assert page.url == f"{desk.url}/board", "the form came back to the board"
    assert "acknowledged by ada@example.test" in page.locator(f"[data-alert='{alert_id}']").inner_text()
    page.locator(f"[data-alert='{alert_id}']").get_by_role("button", name=re.compile("^Resolve")).click()
    page.locator(f"[data-alert='{alert_id}']").wait_for(state="detached", timeout=WAIT_MS)
    assert page.problems == []


def test_the_indicator_says_reconnecting_then_offline_and_live_again_after_a_restart(desk: Desk, page: Any) -> None:
    page.clock.install()  # the page's timers: "offline" is 30 s away, fast-forwarded below
    server = desk.serve()
    port = server.live.port
    try:
        sign_in(page, server.url, "/sla")
        wait_for_state(page, "live")
        page.evaluate("window.__marker = 1")

        server.stop()
        wait_for_state(page, "reconnecting")
        assert page.locator(STATUS).inner_text() == "Reconnecting…"
        page.clock.fast_forward("00:31")
        wait_for_state(page, "offline")
        assert re.fullmatch(r"Offline since \d\d:\d\d", page.locator(STATUS).inner_text())
        if shots := os.environ.get("DESKPULSE_SCREENSHOTS"):
            page.locator("header.topbar").screenshot(path=f"{shots}/live-offline.png")

        server = desk.serve(port=port)
        wait_for_state(page, "live", timeout=40_000)
        assert page.locator(STATUS).inner_text() == "Live"
        assert page.evaluate("window.__marker") == 1
    finally:
        server.stop()
    # While the server was away the browser logged its failed attempts; nothing else went wrong.
    assert [p for p in page.problems if "Failed to load resource" not in p and "ERR_" not in p] == []


def test_auto_refresh_off_ignores_events_until_turned_back_on_and_is_remembered(desk: Desk, page: Any) -> None:
    sign_in(page, desk.url, "/board")
    wait_for_state(page, "live")
    toggle = page.locator("[data-testid='live-toggle']")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    wait_for_state(page, "paused")
    assert page.locator(STATUS).inner_text() == "Paused"
    assert toggle.get_attribute("aria-pressed") == "false"
    if shots := os.environ.get("DESKPULSE_SCREENSHOTS"):
        page.emulate_media(color_scheme="dark")
        page.locator("header.topbar").screenshot(path=f"{shots}/live-paused-dark.png")
    seen = page.locator("[data-live]").get_attribute("data-last-event-id")

    desk.add_ticket("Printer prints only in Comic Sans")
    desk.sync()
    page.wait_for_function(
        "seen => document.querySelector('[data-live]').dataset.lastEventId !== seen", arg=seen, timeout=WAIT_MS
    )
    assert page.locator("tr", has_text="Printer prints only in Comic Sans").count() == 0, "paused: not shown"

    toggle.click()  # back on: the page catches up at once
    wait_for_state(page, "live")
    page.locator("tr", has_text="Printer prints only in Comic Sans").wait_for(timeout=WAIT_MS)

    toggle.click()
    page.reload()
    wait_for_state(page, "paused")
    assert page.locator("[data-testid='live-toggle']").get_attribute("aria-pressed") == "false"
    assert page.problems == []


def test_critical_alerts_notify_only_after_the_user_opted_in(desk: Desk, page: Any) -> None:
    page.add_init_script(FAKE_NOTIFICATION)
    sign_in(page, desk.url, "/workload")
    wait_for_state(page, "live")
    bell = page.locator("[data-testid='live-notify']")
    assert bell.inner_text().endswith("Notify me")
    assert page.evaluate("window.__asked") == 0, "no permission prompt without a click"
    now = datetime.now(UTC)
    desk.publish(
        LiveEvent("alerts", "alert.test", DESK, {"title": "Early", "message": "-", "severity": "critical"}, now)
    )
    page.wait_for_function("() => document.querySelector('[data-live]').dataset.lastEventId !== ''", timeout=WAIT_MS)

    bell.click()
    page.wait_for_function("() => window.__asked === 1")
    assert bell.get_attribute("aria-pressed") == "true"
    for severity, title in (("warning", "Queue growing"), ("critical", "SLA breached")):
        data = {"title": title, "message": "Ticket 17 missed its resolution target", "severity": severity,
                "url": "/tickets/fs:17"}  # fmt: skip
        desk.publish(LiveEvent("alerts", "alert.test", DESK, data, now))
    page.wait_for_function("() => window.__notes.length > 0", timeout=WAIT_MS)
    notes = page.evaluate("window.__notes")
    assert [(n["title"], n["body"]) for n in notes] == [("SLA breached", "Ticket 17 missed its resolution target")]
    assert page.problems == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_live_page_connects_without_console_errors(desk: Desk, page: Any, theme: str) -> None:
    page.emulate_media(color_scheme=theme)
    sign_in(page, desk.url, "/board")
    ticket = page.locator("tr[data-ticket]").first.get_attribute("data-ticket")
    shots = os.environ.get("DESKPULSE_SCREENSHOTS")
    for path in ("/", "/board", "/sla", "/workload", "/trends", "/alerts", f"/tickets/fs:{ticket}", "/portal"):
        page.goto(f"{desk.url}{path}")
        wait_for_state(page, "live")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        status = page.locator(STATUS)
        assert status.get_attribute("role") == "status"
        assert status.inner_text() == "Live"
        assert page.locator("[data-testid='live-toggle']").get_attribute("aria-pressed") == "true"
        if shots:
            name = path.strip("/").replace("/", "-").replace(":", "-") or "dashboard"
            page.screenshot(path=f"{shots}/live-{name}-{theme}.png")
        assert page.problems == [], path


def test_a_customer_portal_and_a_kiosk_tv_follow_their_own_scoped_stream(desk: Desk, page: Any, browser: Any) -> None:
    sign_in(page, desk.url, "/portal", email=CUSTOMER)
    wait_for_state(page, "live")
    assert page.get_by_role("heading", level=1).inner_text() == "Acme"
    assert page.problems == []

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tv = context.new_page()
        problems: list[str] = []
        tv.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        tv.on("pageerror", lambda exc: problems.append(str(exc)))
        tv.goto(f"{desk.url}/kiosk/{desk.kiosk_secret}")
        tv.wait_for_url(f"{desk.url}/")
        tv.wait_for_selector(f"{STATUS}[data-state='live']", timeout=WAIT_MS)
        assert tv.locator("[data-testid='user-menu']").count() == 0
        assert problems == []
    finally:
        context.close()


def test_without_javascript_the_pages_refresh_themselves(desk: Desk, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, desk.url, "/board")
        for path in ("/board", "/sla", "/portal"):
            page.goto(f"{desk.url}{path}")
            # Scripting off: <noscript> in <head> holds a real meta refresh (with it on, it is inert text).
            assert page.locator("noscript meta[http-equiv='refresh']").count() == 1, path
            assert page.locator("[data-live]").is_hidden(), "no indicator without JavaScript"
    finally:
        context.close()
