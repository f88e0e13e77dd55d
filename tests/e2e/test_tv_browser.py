"""TV mode in a real Chromium, opened by kiosk links: the playlist rotates on schedule (a controlled clock), the
privacy mask keeps names off the screen, the screen keeps its data and says "reconnecting" when the server
goes away, the staleness badge, the pixel shift, and contrast in both themes.

Needs /usr/bin/chromium (see conftest.py). With DESKPULSE_SCREENSHOTS=<dir> the screens are saved there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from deskpulse.auth import kiosk
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.tv_config import TvPlaylist, TvSlide
from deskpulse.web import charts
from deskpulse.web.app import create_app
from support import LiveServer
from web.test_tv_api import ALL_BOARDS, SECRET_NAMES, SECRET_SUBJECTS, build_tv_desk, tv_config

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
TITLE = "[data-testid='tv-title']"
CONNECTION = "[data-testid='tv-connection']"
# axe-core from the npm registry, installed by `make e2e-deps` (see test_accessibility.py).
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PLAYLISTS = (
    TvPlaylist(name="wall", title="Service desk", slides=ALL_BOARDS),
    TvPlaylist(name="lobby", title="Reception", slides=ALL_BOARDS, privacy_mask=True),
    TvPlaylist(name="strict", slides=[TvSlide(board="summary")], stale_minutes=1),
)


@dataclass
class Screen:
    """The desk served on a free port, and a kiosk link's secret."""

    db: Database
    app: Any
    live: LiveServer
    secret: str

    @property
    def url(self) -> str:
        return self.live.url

    def stop(self) -> None:
        """Stop the server the way SIGTERM does (open streams get ``bye`` first)."""
        if self.live.thread.is_alive():
            self.app.state.loop.call_soon_threadsafe(self.app.state.hub.close)
            self.live.__exit__(None, None, None)


def serve(tmp_path_factory: pytest.TempPathFactory, name: str) -> Screen:
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'deskpulse.db'}"
    db = Database(url)
    upgrade(db.engine)
    config = tv_config(*PLAYLISTS, database_url=url)
    now = datetime.now(UTC)
    build_tv_desk(db, config, now)  # the last good sync was two minutes ago
    with db.session() as session:
        _, secret = kiosk.create(session, name="Wall TV", boards=["dashboard"], clients=None, creator=None, now=now)
    app = create_app(config, db=db)
    charts.vega_bundle_gzip()  # built once per process at start-up; seconds on a busy machine, so before the wait
    return Screen(db, app, LiveServer(app).__enter__(), secret)


@pytest.fixture(scope="module")
def screen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Screen]:
    found = serve(tmp_path_factory, "tv")
    try:
        yield found
    finally:
        found.stop()
        found.db.dispose()


def open_tv(page: Any, screen: Screen, playlist: str) -> None:
    """Open the kiosk link of ``playlist`` as a wall display does and wait for the first slide."""
    page.goto(f"{screen.url}/kiosk/{screen.secret}/tv/{playlist}")
    page.wait_for_url(f"{screen.url}/tv/{playlist}")
    page.wait_for_selector("[data-testid='tv'][data-slide='1']", timeout=WAIT_MS)


def title(page: Any) -> str:
    return str(page.locator(TITLE).inner_text())


def wait_for_title(page: Any, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).textContent === text", arg=[TITLE, text], timeout=WAIT_MS
    )


def shot(page: Any, name: str) -> None:
    shots = os.environ.get("DESKPULSE_SCREENSHOTS")
    if shots:
        page.screenshot(path=f"{shots}/tv-{name}.png")


def test_the_playlist_rotates_on_schedule(screen: Screen, page: Any) -> None:
    page.clock.install()
    open_tv(page, screen, "wall")
    assert title(page) == "Tickets"
    assert page.locator("[data-testid='tv-position']").inner_text() == "1 / 6"
    assert page.locator("[data-testid='tv-widget-open'] .tv-widget-value").inner_text() == "3"
    page.clock.run_for("00:25")
    assert title(page) == "Tickets"  # 30 seconds on screen, not fewer
    page.clock.run_for("00:06")
    wait_for_title(page, "SLA at risk")
    assert page.locator("[data-testid='tv-position']").inner_text() == "2 / 6"
    page.clock.fast_forward("00:21")
    wait_for_title(page, "Workload")
    for expected in ("Alerts", "Work board", "Uptime", "Tickets"):
        page.clock.fast_forward("00:31")
        wait_for_title(page, expected)
    assert page.problems == []


def test_the_privacy_mask_keeps_names_off_every_slide(screen: Screen, page: Any) -> None:
    page.clock.install()
    open_tv(page, screen, "lobby")
    seen = []
    for n in range(1, 7):
        page.wait_for_selector(f"[data-testid='tv'][data-slide='{n}']", timeout=WAIT_MS)
        seen.append((page.locator("main").inner_text(), page.content()))
        shot(page, f"lobby-{n}")
        page.clock.fast_forward("00:31")
    for shown, html in seen:
        for secret in SECRET_NAMES + SECRET_SUBJECTS:
            assert secret not in shown and secret not in html
    assert any("SLA breach •••" in shown for shown, _ in seen)
    assert page.problems == []


def test_without_the_mask_the_same_slides_name_client_requester_and_subject(screen: Screen, page: Any) -> None:
    # The alerts and work-board slides do not depend on business hours (the SLA slide would on a weekend).
    page.clock.install()
    open_tv(page, screen, "wall")
    page.clock.fast_forward("00:31")
    page.clock.fast_forward("00:21")
    page.clock.fast_forward("00:21")
    wait_for_title(page, "Alerts")
    alerts = page.locator("[data-testid='tv-tables']").inner_text()
    assert "Acme Widgets" in alerts
    # Each level reads as a word with an icon, not as a colour alone.
    assert "Critical" in alerts
    assert page.locator("[data-testid='tv-widget-firing'] .tv-level").inner_text() == "▲ Warning"
    page.clock.fast_forward("00:16")
    wait_for_title(page, "Work board")
    board = page.locator("[data-testid='tv-tables']").inner_text()
    assert "Printer on fire" in board and "Wilhelmina Requester" in board


def test_the_staleness_badge_shows_when_data_is_older_than_the_playlist_allows(screen: Screen, page: Any) -> None:
    open_tv(page, screen, "strict")
    badge = page.locator("[data-testid='tv-stale']")
    badge.wait_for(state="visible", timeout=WAIT_MS)
    assert re.search(r"Data is \d+ min old", badge.inner_text()), badge.inner_text()
    open_tv(page, screen, "wall")
    assert page.locator("[data-testid='tv-stale']").is_hidden()


def test_a_slow_pixel_shift_moves_the_screen_every_few_minutes(screen: Screen, page: Any) -> None:
    page.clock.install()
    open_tv(page, screen, "wall")
    main = page.locator("[data-testid='tv']")
    assert main.get_attribute("data-shift") == "0,0"
    page.clock.run_for("03:01")
    first = main.get_attribute("data-shift")
    assert first != "0,0"
    x, y = (abs(int(v)) for v in first.split(","))
    assert x <= 4 and y <= 4, "a few pixels, no more"
    assert "translate" in main.evaluate("el => el.style.transform")
    page.clock.run_for("03:00")
    assert main.get_attribute("data-shift") != first


def _luminance(rgb: str) -> float:
    parts = [int(float(p)) / 255 for p in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_big_numbers_have_high_contrast_in_both_themes(screen: Screen, page: Any, theme: str) -> None:
    page.clock.install()
    open_tv(page, screen, "wall")
    page.goto(f"{screen.url}/tv/wall?theme={theme}")
    page.wait_for_selector("[data-testid='tv'][data-slide='1']", timeout=WAIT_MS)
    page.clock.fast_forward("00:31")
    wait_for_title(page, "SLA at risk")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    for widget in page.locator(".tv-widget").all():
        colours = widget.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
        assert contrast(*colours) >= 7, colours
    size = page.locator(".tv-widget-value").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 80, "big numbers: at least 80 px on a 1400 px wide screen"
    shot(page, f"wall-{theme}")
    assert page.problems == []


def test_a_network_drop_keeps_the_data_says_reconnecting_and_keeps_rotating(
    tmp_path_factory: pytest.TempPathFactory, page: Any
) -> None:
    own = serve(tmp_path_factory, "tv-drop")
    try:
        page.clock.install()
        open_tv(page, own, "wall")
        page.wait_for_selector("[data-testid='tv'][data-connection='live']", timeout=WAIT_MS)
        assert page.locator(CONNECTION).is_hidden()
        # Wait until every slide's data is in hand (fetched in the background after the first).
        page.wait_for_selector("[data-testid='tv'][data-cached='6']", timeout=WAIT_MS)
        own.stop()
        page.locator(CONNECTION).wait_for(state="visible", timeout=WAIT_MS)
        assert "Reconnecting" in page.locator(CONNECTION).inner_text()
        assert page.locator("[data-testid='tv-widget-open'] .tv-widget-value").inner_text() == "3"
        # The rotation goes on from the last data, retrying in the background.
        page.clock.fast_forward("00:31")
        wait_for_title(page, "SLA at risk")
        values = page.locator("[data-testid='tv-widgets'] .tv-widget-value").all_inner_texts()
        assert len(values) == 2 and all(v.isdigit() for v in values), values
        page.clock.fast_forward("01:00")
        assert page.locator(".tv-widget").count() > 0 and page.locator(CONNECTION).is_visible()
        shot(page, "reconnecting")
    finally:
        own.stop()
        own.db.dispose()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_the_tv_screen(screen: Screen, page: Any, theme: str) -> None:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: run `make e2e-deps`")
        pytest.skip(f"{AXE} is missing: run `make e2e-deps`")
    page.clock.install()
    open_tv(page, screen, "wall")
    page.goto(f"{screen.url}/tv/wall?theme={theme}")
    page.wait_for_selector("[data-testid='tv'][data-slide='1']", timeout=WAIT_MS)
    for slide in ("Tickets", "SLA at risk"):  # the summary, then a slide with levels and a table
        if slide != "Tickets":
            page.clock.fast_forward("00:31")
        wait_for_title(page, slide)
        # Evaluated over DevTools, so the page's strict CSP (no eval) does not block it.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        found = page.evaluate(
            """async () => (await axe.run(document, { runOnly: { type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })).violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`)"""
        )
        assert found == [], f"{theme}, {slide}: {found}"


def test_a_kiosk_link_made_for_the_lobby_shows_the_lobby_live_and_no_other_playlist(screen: Screen, page: Any) -> None:
    with screen.db.session() as session:
        _, secret = kiosk.create(session, name="Lobby TV", boards=["tv:lobby"], clients=None, creator=None,
                                 now=datetime.now(UTC))  # fmt: skip
    page.goto(f"{screen.url}/kiosk/{secret}")  # its plain address goes to its playlist
    page.wait_for_url(f"{screen.url}/tv/lobby")
    page.wait_for_selector("[data-testid='tv'][data-slide='1']", timeout=WAIT_MS)
    page.wait_for_selector("[data-testid='tv'][data-connection='live']", timeout=WAIT_MS)  # its stream is allowed
    assert page.problems == []
    for other in (f"/kiosk/{secret}/tv/wall", "/tv/wall"):
        answer = page.goto(f"{screen.url}{other}")
        assert answer is not None and answer.status == 404, other
        assert "This kiosk link is not valid" in page.inner_text("body"), other
    page.goto(f"{screen.url}/sla")  # any other page of the desk: back to its own playlist
    page.wait_for_url(f"{screen.url}/tv/lobby")
