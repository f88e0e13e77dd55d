"""Without the optional charts extra (vl-convert), the dashboard in a real Chromium draws its charts as tables
with a one-line note, and never asks for the chart library.

The app runs in this process with ``vl_convert`` blocked in ``sys.modules``; the chart data routes are answered
by the test so the tables have rows to show. Needs /usr/bin/chromium (skipped without it, failing under CI).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.web import charts
from deskpulse.web.app import create_app
from support import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NOTE = "Charts are not available on this server"
HISTORY_POINTS = 96  # two days of half-hours: more than the table's 31 rows


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port with vl-convert missing, and one viewer."""
    url = f"sqlite:///{tmp_path_factory.mktemp('nocharts') / 'deskpulse.db'}"
    db = Database(url)
    upgrade(db.engine)
    with db.session() as session:
        create_user(session, email="vic@example.test", role=Role.VIEWER, now=datetime.now(UTC), password=PASSWORD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "vl_convert", None)
        assert not charts.charts_available()
        with LiveServer(create_app(Config(database_url=url), db=db)) as live:
            yield live.url
    db.dispose()


def _history_spec() -> dict[str, Any]:
    start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    points = [
        {"ts": (start + timedelta(minutes=30 * i)).isoformat(), "total": 40 + i, "open": 10 + i, "assigned": 30}
        for i in range(HISTORY_POINTS)
    ]
    return charts.history_chart_spec(points, range_key="7d")


def _closed() -> dict[str, Any]:
    first = date(2026, 11, 1)
    days = [{"date": (first + timedelta(days=i)).isoformat(), "count": i % 4} for i in range(30)]
    keys = ("closed_today", "closed_week", "closed_month", "closed_90d", "created_today_closed")
    return {**dict.fromkeys(keys, 3), "daily_counts": days}


def _answer(route: Any, body: dict[str, Any]) -> None:
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


def test_the_dashboard_shows_tables_and_a_note_instead_of_charts(server: str, page: Any) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.route(re.compile(r"/api/charts/history(\?|$)"), lambda route: _answer(route, _history_spec()))
    page.route(re.compile(r"/api/closed(\?|$)"), lambda route: _answer(route, _closed()))
    page.goto(f"{server}/login?next=/")
    page.fill("#login-email", "vic@example.test")
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid='login-form'] button[type='submit']")
    page.wait_for_url(f"{server}/")
    page.wait_for_selector("body[data-loaded='true']")

    history = page.locator("[data-testid='history-chart']")
    assert NOTE in history.locator(".chart-off-note").inner_text()
    assert history.locator("th").all_inner_texts() == ["Time", "Total", "Open", "Assigned"]
    rows = history.locator("tbody tr")
    assert rows.count() == 31, "two days of half-hours are thinned to 31 rows"
    assert rows.last.locator("td").nth(1).inner_text().replace(",", "") == str(40 + HISTORY_POINTS - 1)

    closed = page.locator("[data-testid='closed-chart']")
    assert NOTE in closed.inner_text()
    assert closed.locator("th").all_inner_texts() == ["Day", "Closed"]
    assert closed.locator("tbody tr").count() == 30
    assert closed.get_attribute("tabindex") == "0", "a scrolling table can be reached by keyboard"

    assert page.locator("svg.marks, canvas").count() == 0
    assert not [url for url in requested if "vega-bundle" in url]
    assert page.problems == []
