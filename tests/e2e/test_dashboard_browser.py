"""The live dashboard in a real Chromium, against the real ``deskpulse demo`` (simulators, sync, web).

Needs /usr/bin/chromium (``apt-get install -y chromium``): skipped without it, except under CI where a missing
browser fails. ``DESKPULSE_E2E_URL=http://host:port`` points the test at a server that is already running
instead of starting the demo.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

STARTUP_SECONDS = 60
SUMMARY_IDS = {
    "total": "summary-total",
    "new": "summary-new",
    "assigned": "summary-assigned",
    "new_today": "summary-new-today",
}


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, proc: subprocess.Popen[bytes] | None, log: Path | None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            output = log.read_text(errors="replace") if log else ""
            pytest.fail(f"deskpulse demo exited with {proc.returncode} before serving:\n{output[-3000:]}")
        try:
            status, _ = _get(f"{base}/healthz")
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.5)
    output = log.read_text(errors="replace") if log else ""
    pytest.fail(f"{base}/healthz not 200 within {STARTUP_SECONDS} s ({last}):\n{output[-3000:]}")


@dataclass(frozen=True)
class Demo:
    url: str
    email: str
    password: str


def _demo_credentials(log: Path, role: str) -> tuple[str, str]:
    """The e-mail and password the demo printed for ``role`` (fresh on every run)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    pattern = re.compile(rf"^\s+(\S+@\S+)\s+(\S+)\s+{role}\s*$", re.MULTILINE)
    while time.monotonic() < deadline:
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            return found.group(1), found.group(2)
        time.sleep(0.2)
    pytest.fail(f"the demo never printed a {role} user:\n{log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A running ``deskpulse demo`` on a free port and its admin's credentials, stopped after the tests."""
    if external := os.environ.get("DESKPULSE_E2E_URL"):
        _wait_healthy(external.rstrip("/"), None, None)
        yield Demo(external.rstrip("/"), os.environ["DESKPULSE_E2E_EMAIL"], os.environ["DESKPULSE_E2E_PASSWORD"])
        return
    data_dir = tmp_path_factory.mktemp("demo-data")
    log = data_dir / "demo.log"
    port = _free_port()
    command = [str(Path(sys.executable).parent / "deskpulse"), "demo", "--port", str(port)]
    env = {**os.environ, "DESKPULSE_DATA_DIR": str(data_dir)}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, proc, log)
        email, password = _demo_credentials(log, "admin")
        yield Demo(base, email, password)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _as_int(text: str) -> int:
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"not a number: {text!r}"
    return int(digits)


def test_dashboard_live(browser: Any, demo: Demo) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="light")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    dashboard_responses: list[Any] = []
    page.on("response", lambda r: dashboard_responses.append(r) if "/api/dashboard" in r.url else None)
    try:
        demo_url = demo.url
        page.goto(f"{demo_url}/")
        # Not signed in: the dashboard sends the browser to the sign-in page first.
        page.wait_for_url("**/login?next=*")
        page.fill("input[name=email]", demo.email)
        page.fill("input[name=password]", demo.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{demo_url}/")

        # Summary numbers fill in and match the /api/dashboard answer the page rendered.
        selectors = ", ".join(f"[data-testid='{t}']" for t in SUMMARY_IDS.values())
        page.wait_for_function(
            "sel => [...document.querySelectorAll(sel)].every(e => /^\\d[\\d.,\\s\\u202f]*$/.test(e.textContent))",
            arg=selectors,
            timeout=STARTUP_SECONDS * 1000,
        )
        assert dashboard_responses, "the page never asked /api/dashboard"
        # The demo keeps syncing and the page reloads on every change: compare with the answer it last drew.
        deadline = time.monotonic() + 10
        while True:
            shown = {key: _as_int(page.get_by_test_id(testid).inner_text()) for key, testid in SUMMARY_IDS.items()}
            served = dashboard_responses[-1].json()["summary"]
            if shown == {key: served[key] for key in SUMMARY_IDS} or time.monotonic() > deadline:
                break
            page.wait_for_timeout(200)
        assert shown == {key: served[key] for key in SUMMARY_IDS}

        # The page follows the live stream: the next sync (every 15 s in the demo) reloads the figures, long
        # before the fallback poll (60 s) would.
        page.wait_for_selector("[data-testid='live-status'][data-state='live']", timeout=30_000)
        assert page.get_by_test_id("live-status").inner_text() == "Live"
        with page.expect_response(lambda r: "/api/dashboard" in r.url, timeout=40_000):
            pass
        response = page.request.get(f"{demo_url}/api/dashboard")  # with the session cookie
        assert response.status == 200
        assert set(response.json()["summary"]) >= set(SUMMARY_IDS)
        assert _get(f"{demo_url}/api/dashboard")[0] == 401, "without a session the API must refuse"

        # "Data as of HH:MM" once the demo has synced.
        as_of = page.get_by_test_id("data-as-of")
        page.wait_for_function(
            "el => /^Data as of .*\\d{2}:\\d{2}$/.test(el.textContent)",
            arg=as_of.element_handle(),
            timeout=STARTUP_SECONDS * 1000,
        )

        # The history chart draws, and redraws for another period.
        page.wait_for_selector("#history-chart svg, #history-chart canvas", timeout=30_000)
        page.locator(".range-switch [data-range='7d']").click()
        assert page.locator(".range-switch [data-range='7d']").get_attribute("aria-pressed") == "true"
        assert page.locator(".range-switch [data-range='24h']").get_attribute("aria-pressed") == "false"
        page.wait_for_function("document.querySelectorAll('#history-chart .chart-frame').length === 1")
        page.wait_for_selector("#history-chart svg", timeout=30_000)
        # Closed per day: bars, or a note while a fresh demo has not swept closed tickets yet.
        page.wait_for_selector("#closed-chart svg, #closed-empty:not([hidden])", timeout=30_000)

        # The theme toggle flips data-theme on <html>, and the choice survives a reload.
        html = page.locator("html")
        before = html.get_attribute("data-theme")
        assert before in ("light", "dark")
        page.get_by_test_id("theme-toggle").click()
        after = html.get_attribute("data-theme")
        assert after == ("dark" if before == "light" else "light")
        page.wait_for_selector("#history-chart svg")
        page.reload()
        assert html.get_attribute("data-theme") == after
        page.wait_for_selector("#history-chart svg", timeout=30_000)
        assert page.get_by_test_id("theme-toggle").get_attribute("aria-label") == f"Switch to {before} theme"

        assert problems == []
    finally:
        context.close()
