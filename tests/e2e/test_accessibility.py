"""Accessibility in a real Chromium: axe-core on the main pages in both themes, and keyboard use.

axe-core comes from the npm registry (tests/e2e/package.json, pinned by package-lock.json) and is installed by
``make e2e-deps`` (``npm ci`` into tests/e2e/node_modules). Without it, or without Chromium, these tests skip
with the reason; under CI they fail instead. The pages come from a real ``deskpulse demo`` (simulators, sync,
web), signed in as its admin.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    # The demo keeps its own SQLite file, so a run on PostgreSQL would repeat the same minutes for nothing.
    pytest.mark.skipif(
        bool(os.environ.get("DESKPULSE_TEST_DATABASE_URL")),
        reason="the accessibility pages come from the demo's own SQLite store: checked in the SQLite pass",
    ),
]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
STARTUP_SECONDS = 180  # the demo backfills months of history first; slow on a busy machine
THEMES = ("light", "dark")
# WCAG 2.0/2.1 A and AA rules; a page fails on any violation axe rates serious or critical.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
# Path, or a name resolved at run time (the ticket page needs a real ticket id).
PAGES = [
    "/login",
    "/",
    "/board",
    "/sla",
    "/workload",
    "/trends",
    "ticket",
    "/uptime",
    "/status/sources",
    "/alerts",
    "/alerts/silences",
    "/reports",
    "/settings",
    "/tv/desk",
    "/account",
    "/admin/users",
]


@dataclass(frozen=True)
class Demo:
    url: str
    email: str
    password: str


def _axe_source() -> str:
    if not AXE.exists():
        if shutil.which("node") and shutil.which("npm"):
            reason = f"{AXE} is missing: run `make e2e-deps` (npm ci in tests/e2e)"
        else:
            reason = "node and npm are not installed (apt-get install -y nodejs npm), so axe-core is missing"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; the accessibility tests must run in CI")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe_source() -> str:
    """The axe-core script text, injected into each page under test."""
    return _axe_source()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> tuple[str, str]:
    """Wait for /healthz and the admin line the demo prints; return that admin's e-mail and password."""
    deadline = time.monotonic() + STARTUP_SECONDS
    admin = re.compile(r"^\s+(\S+@\S+)\s+(\S+)\s+admin\s*$", re.MULTILINE)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"deskpulse demo exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        found = admin.search(log.read_text(errors="replace"))
        try:
            healthy = _status(f"{base}/healthz") == 200
        except OSError:
            healthy = False
        if found and healthy:
            return found.group(1), found.group(2)
        time.sleep(0.5)
    pytest.fail(f"the demo was not ready within {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def demo(axe_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A running ``deskpulse demo`` on a free port and its admin's credentials (after axe is known present)."""
    data_dir = tmp_path_factory.mktemp("a11y-demo")
    log = data_dir / "demo.log"
    port = _free_port()
    command = [str(Path(sys.executable).parent / "deskpulse"), "demo", "--port", str(port)]
    env = {**os.environ, "DESKPULSE_DATA_DIR": str(data_dir)}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        email, password = _wait_ready(base, proc, log)
        yield Demo(base, email, password)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def signed_in(browser: Any, demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A storage-state file holding the admin's session cookie, so each test starts signed in."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(f"{demo.url}/login")
    tab.fill("#login-email", demo.email)
    tab.fill("#login-password", demo.password)
    tab.click("[data-testid='login-form'] button[type='submit']")
    tab.wait_for_url(f"{demo.url}/")
    state = tmp_path_factory.mktemp("a11y-session") / "state.json"
    context.storage_state(path=str(state))
    context.close()
    return str(state)


@pytest.fixture(scope="module")
def ticket_path(browser: Any, demo: Demo, signed_in: str) -> str:
    """The page of one ticket the demo synced."""
    context = browser.new_context(storage_state=signed_in)
    try:
        response = context.request.get(f"{demo.url}/api/dashboard/tickets", params={"pageSize": "1"})
        assert response.ok, f"/api/dashboard/tickets answered {response.status}: {response.text()[:300]}"
        rows = response.json()["data"]["items"]
        assert rows, "the demo has no tickets to open"
        return "/tickets/" + urllib.parse.quote(f"{rows[0]['source']}:{rows[0]['id']}", safe="")
    finally:
        context.close()


def _open(browser: Any, demo: Demo, signed_in: str, path: str, theme: str) -> Any:
    """A page at ``path`` in ``theme``: the stored choice the theme toggle saves (anonymous for /login)."""
    state = None if path == "/login" else signed_in
    context = browser.new_context(viewport={"width": 1400, "height": 900}, storage_state=state)
    context.add_init_script(f"window.localStorage.setItem('deskpulse-theme', {json.dumps(theme)})")
    tab = context.new_page()
    response = tab.goto(f"{demo.url}{path}")
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    assert not tab.url.endswith("/login") or path == "/login", f"{path} sent the signed-in admin to sign in"
    if path == "/":
        tab.wait_for_selector("body[data-loaded='true']", timeout=20_000)
    assert tab.evaluate("document.documentElement.dataset.theme") == theme
    return tab


def _violations(tab: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG A/AA violations on the page as it stands."""
    # Evaluated over the DevTools protocol, so the page's strict CSP (no inline scripts) does not block it.
    tab.evaluate(axe_source + "\n;undefined")
    found: list[dict[str, Any]] = tab.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        AXE_TAGS,
    )
    return [v for v in found if v["impact"] in BLOCKING]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", PAGES)
def test_main_pages_have_no_serious_accessibility_violations(
    browser: Any, demo: Demo, signed_in: str, axe_source: str, request: pytest.FixtureRequest, path: str, theme: str
) -> None:
    target = request.getfixturevalue("ticket_path") if path == "ticket" else path
    tab = _open(browser, demo, signed_in, target, theme)
    try:
        violations = _violations(tab, axe_source)
        assert violations == [], f"{target} in the {theme} theme:\n{_describe(violations)}"
    finally:
        tab.context.close()


def test_the_theme_toggle_switches_the_dashboard_and_both_stay_accessible(
    browser: Any, demo: Demo, signed_in: str, axe_source: str
) -> None:
    tab = _open(browser, demo, signed_in, "/", "light")
    try:
        tab.click("[data-testid='theme-toggle']")
        assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
        assert tab.get_attribute("[data-testid='theme-toggle']", "aria-label"), "the toggle has a name"
        violations = _violations(tab, axe_source)
        assert violations == [], f"/ after switching to dark:\n{_describe(violations)}"
    finally:
        tab.context.close()


def _focused(tab: Any) -> dict[str, Any]:
    return dict(
        tab.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                const box = el.getBoundingClientRect();
                return {
                    tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || "").trim().slice(0, 40),
                    path: el === document.body ? "body" : (el.id || el.className || el.tagName) + "|" +
                          [...document.querySelectorAll("*")].indexOf(el),
                    outline: parseFloat(style.outlineWidth) || 0, outlineStyle: style.outlineStyle,
                    boxShadow: style.boxShadow, visible: box.width > 0 && box.height > 0,
                };
            }"""
        )
    )


@pytest.mark.parametrize("path", ["/", "/sla", "/uptime", "/account"])
def test_the_skip_link_comes_first_and_moves_focus_to_the_main_content(
    browser: Any, demo: Demo, signed_in: str, path: str
) -> None:
    tab = _open(browser, demo, signed_in, path, "light")
    try:
        tab.keyboard.press("Tab")
        first = _focused(tab)
        assert first["text"] == "Skip to content", f"the first Tab stop on {path} is {first}"
        assert first["visible"], "the skip link shows itself when focused"
        tab.keyboard.press("Enter")
        assert tab.evaluate("location.hash") == "#main"
        tab.keyboard.press("Tab")
        inside = tab.evaluate("document.getElementById('main').contains(document.activeElement)")
        after_main = tab.evaluate(
            "!!(document.getElementById('main').compareDocumentPosition(document.activeElement) & 4)"
        )
        assert inside or after_main, f"Tab after the skip link went to {_focused(tab)}, not into the main content"
    finally:
        tab.context.close()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", ["/", "/sla", "/alerts", "/admin/users"])
def test_tabbing_shows_a_visible_focus_ring_and_never_traps_the_keyboard(
    browser: Any, demo: Demo, signed_in: str, path: str, theme: str
) -> None:
    tab = _open(browser, demo, signed_in, path, theme)
    try:
        seen: list[str] = []
        for _ in range(40):
            tab.keyboard.press("Tab")
            now = _focused(tab)
            if now["path"] == "body":
                break  # walked off the end of the page: the browser hands focus back, nothing kept it
            ring = now["outline"] >= 2 and now["outlineStyle"] != "none"
            assert ring or now["boxShadow"] != "none", f"no visible focus indicator on {now} ({path}, {theme})"
            assert now["visible"], f"focus went to an invisible element {now} on {path}"
            if not seen or seen[-1] != now["path"]:  # a date field takes several stops (day, month, year)
                seen.append(now["path"])
        assert len(seen) >= 3, f"only {seen} reachable by keyboard on {path}"
        # A trap keeps focus cycling among a few elements: here every stop is new until the page ends.
        repeats = len(seen) - len(set(seen))
        assert repeats == 0 or len(set(seen)) >= 20, f"focus cycled within {sorted(set(seen))} on {path}"
        # Shift+Tab walks back the same way.
        tab.keyboard.press("Shift+Tab")
        assert _focused(tab)["path"] != "body"
    finally:
        tab.context.close()


# The set-up wizard and a browser source's edit page, on a fresh store: an admin, one source saved in the browser
# whose first sync failed (so the first-sync page shows its error), no sync running.
WIZARD_PAGES = [
    "/setup/source",
    "/setup/source?kind=autotask",
    "/setup/hours?source=helpdesk",
    "/setup/first-sync?source=helpdesk",
    "/settings/sources/helpdesk",
    "/settings/sources/new?kind=librenms",
]
WIZARD_ADMIN = ("wizard-admin@example.test", "correct horse battery")


@pytest.fixture(scope="module")
def fresh_desk(axe_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a desk being set up: an admin, a browser-saved Freshservice source that failed its first sync."""
    from deskpulse.auth.roles import Role
    from deskpulse.auth.users import create_user
    from deskpulse.clock import utcnow
    from deskpulse.config import Config
    from deskpulse.secret_box import KEY_VARIABLE, SecretBox
    from deskpulse.settings_store import save_source
    from deskpulse.store.db import Database
    from deskpulse.store.migrate import upgrade
    from deskpulse.store.sources import ensure_source, mark_failed
    from deskpulse.web.app import create_app
    from support import LiveServer

    key = "a11y-wizard-key-" + "0" * 32
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('a11y-wizard') / 'wizard.db'}")
    upgrade(db.engine)
    now = utcnow()
    with db.session() as session:
        create_user(session, email=WIZARD_ADMIN[0], role=Role.ADMIN, now=now, password=WIZARD_ADMIN[1])
        source = save_source(session, SecretBox(key), name="helpdesk", kind="freshservice", file_names=set(),
                             actor=None, now=now, values={"base_url": "http://127.0.0.1:9/api/v2",
                                                          "api_key": "a-revoked-key-1234"})  # fmt: skip
        row = ensure_source(session, source)
        mark_failed(session, row.id, at=now, reason="Freshservice rejected the credentials (HTTP 401): Invalid",
                    permanent=True)  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_VARIABLE, key)
        app = create_app(Config(database_url=str(db.engine.url)), db=db)
    with LiveServer(app) as desk:
        yield desk.url
    db.dispose()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", WIZARD_PAGES)
def test_the_set_up_wizard_has_no_serious_accessibility_violations(
    browser: Any, fresh_desk: str, axe_source: str, path: str, theme: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(f"window.localStorage.setItem('deskpulse-theme', {json.dumps(theme)})")
    tab = context.new_page()
    try:
        tab.goto(f"{fresh_desk}/login?next={urllib.parse.quote(path, safe='')}")
        tab.fill("#login-email", WIZARD_ADMIN[0])
        tab.fill("#login-password", WIZARD_ADMIN[1])
        tab.click("[data-testid='login-form'] button[type='submit']")
        tab.wait_for_url(f"{fresh_desk}{path}")
        assert tab.evaluate("document.documentElement.dataset.theme") == theme
        if path.startswith("/setup/first-sync"):  # checked with the failure's explanation on screen
            tab.wait_for_selector("[data-testid='sync-error']:not([hidden])", timeout=20_000)
        violations = _violations(tab, axe_source)
        assert violations == [], f"{path} in the {theme} theme:\n{_describe(violations)}"
    finally:
        context.close()
