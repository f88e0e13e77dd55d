"""The alerts panel on the board and metrics pages, the /alerts pages and their acknowledge / resolve forms:
who sees which alerts, who gets the buttons, and what a form post changes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from alerts_support import T0, Desk, alerts, minutes
from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.alerts.settings import AlertsConfig
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import ClientConfig, Config
from deskpulse.sla_config import SlaConfig
from deskpulse.store.alerts_tables import AlertRow
from deskpulse.store.db import Database
from deskpulse.store.tables import ClientRow
from deskpulse.web.app import create_app
from support import api_key_for, source_config

NOW = T0 + minutes(120)  # the P1 tickets are 60 minutes past their first-response target; the source 2 h stale
ALWAYS_OPEN = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
PASSWORD = "correct horse battery"
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}  # what a browser sends with a form posted from this site
VENDOR_ERROR = '<script>alert("owned")</script>'
SECTION = alerts(
    channels=[{"type": "webhook", "name": "hook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}],
    rules=[
        {"id": "p1-response", "name": "P1 first response overdue", "severity": "critical",
         "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30},
         "filters": {"priorities": ["critical"]}, "actions": {"channels": ["hook"]}},
        {"id": "stale", "name": "Source stale", "condition": {"type": "source_stale_for", "minutes": 15},
         "actions": {"channels": ["hook"]}},
    ],
)  # fmt: skip


@dataclass
class World:
    """A desk with three open alerts at ``NOW``: Acme's P1, Globex's P1 and the desk-wide stale source."""

    db: Database
    config: Config
    acme: int
    globex: int
    stale: int

    def client(self) -> TestClient:
        return TestClient(create_app(self.config, db=self.db), follow_redirects=False)

    def state(self, alert_id: int) -> str:
        with self.db.session() as session:
            row = session.get(AlertRow, alert_id)
            assert row is not None
            return row.state


def desk_with_alerts(db: Database) -> World:
    config = Config(
        timezone="UTC", database_url="sqlite://", sources=[source_config("desk")],
        clients=[ClientConfig(id="acme", name="Acme"), ClientConfig(id="globex", name="Globex")],
        sla=SlaConfig(hours=ALWAYS_OPEN), alerts=SECTION,
    )  # fmt: skip
    desk = Desk(db, config)
    desk.add("101", at=T0)
    with db.session() as session:
        globex = ClientRow(key="globex", name="Globex")
        session.add(globex)
        session.flush()
        globex_id = globex.id
    acme_id, desk.client_id = desk.client_id, globex_id  # Desk files its tickets under one client: switch it
    desk.add("201", at=T0)
    desk.client_id = acme_id
    desk.synced(T0, failing_since=T0, error=VENDOR_ERROR)
    section = config.alerts
    assert isinstance(section, AlertsConfig)
    assert len(asyncio.run(evaluate_and_apply(db, config, NOW, alerts=section)).fired) == 3
    with db.session() as session:
        by_subject = {row.subject: row.id for row in session.scalars(select(AlertRow))}
    return World(db, config, by_subject["ticket:desk:101"], by_subject["ticket:desk:201"], by_subject["source:desk"])


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    with time_machine.travel(NOW, tick=False):
        yield desk_with_alerts(db)


def get(world: World, path: str, role: str = "technician", clients: tuple[str, ...] = ()) -> tuple[int, str]:
    with world.client() as client:
        key = api_key_for(world.db, role, clients)
        response = client.get(path, headers={"X-API-Key": key})
    return response.status_code, response.text


def panel(html: str) -> str:
    found = re.search(r'<section class="card board-section alerts-panel".*?</section>', html, re.S)
    assert found, "the page has no alerts panel"
    return found.group(0)


def browser_of(world: World, client: TestClient, role: Role = Role.TECHNICIAN) -> None:
    """Sign ``client`` in as a user with ``role`` (a session cookie, as a browser holds it)."""
    email = f"{role.value}@example.test"
    with world.db.session() as session:
        create_user(session, email=email, role=role, now=NOW, password=PASSWORD)
    signed = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/board"}, headers=SAME_SITE)
    assert signed.status_code == 303, signed.text


def test_the_board_lists_the_open_alerts_firing_first_with_severity_and_buttons(world: World) -> None:
    status, html = get(world, "/board")
    assert status == 200
    shown = panel(html)
    assert "P1 first response overdue" not in shown, "the panel shows the alert's title, not the rule's name"
    assert "First response overdue: desk #101" in shown
    assert 'class="alert-item alert-item--firing severity--critical"' in shown
    assert ">critical</span>" in shown and ">warning</span>" in shown, "severity is written out, not only coloured"
    assert "3 firing · 0 acknowledged" in shown
    assert f'action="/alerts/{world.acme}/acknowledge"' in shown
    assert f'formaction="/alerts/{world.acme}/resolve"' in shown, "one form, two buttons"
    assert 'name="next" value="/board"' in shown
    assert "level 1" in shown and "since 2026-11-18 10:00" in shown


def test_acknowledging_through_the_form_moves_the_alert_to_acknowledged_and_returns_to_the_board(
    world: World,
) -> None:
    with world.client() as client:
        browser_of(world, client)
        response = client.post(f"/alerts/{world.acme}/acknowledge", data={"next": "/board?view=mine"},
                               headers=SAME_SITE)  # fmt: skip
        events = client.app.state.hub.recent()  # type: ignore[attr-defined]
        board = client.get("/board").text
    assert response.status_code == 303 and response.headers["location"] == "/board?view=mine"
    assert world.state(world.acme) == "acknowledged"
    assert [e.type for e in events if e.topic == "alerts"] == ["alert.acknowledged"] * 2, "desk and Acme streams"
    shown = panel(board)
    assert "2 firing · 1 acknowledged" in shown
    assert "acknowledged by technician@example.test" in shown
    assert f'action="/alerts/{world.acme}/acknowledge"' not in shown, "nothing left to acknowledge"
    assert shown.index(f'data-alert="{world.stale}"') < shown.index(f'data-alert="{world.acme}"'), "firing first"


def test_resolving_through_the_form_closes_the_alert_and_a_second_post_changes_nothing(world: World) -> None:
    with world.client() as client:
        browser_of(world, client)
        first = client.post(f"/alerts/{world.stale}/resolve", data={"next": "/sla"}, headers=SAME_SITE)
        again = client.post(f"/alerts/{world.stale}/acknowledge", data={"next": "/sla"}, headers=SAME_SITE)
        sla = client.get("/sla").text
    assert (first.status_code, again.status_code) == (303, 303), "acknowledging a resolved alert just goes back"
    assert world.state(world.stale) == "resolved"
    assert f'data-alert="{world.stale}"' not in panel(sla)


def test_a_form_posted_from_another_site_is_refused_and_next_never_leaves_the_site(world: World) -> None:
    with world.client() as client:
        browser_of(world, client)
        forged = client.post(f"/alerts/{world.acme}/acknowledge", headers={"Sec-Fetch-Site": "cross-site"})
        away = client.post(f"/alerts/{world.acme}/acknowledge", data={"next": "//evil.example/x"}, headers=SAME_SITE)
    assert forged.status_code == 403
    assert away.status_code == 303 and away.headers["location"] == "/"


def test_a_viewer_sees_the_alerts_but_no_buttons_and_cannot_post_the_form(world: World) -> None:
    status, html = get(world, "/board", role="viewer")
    assert status == 200
    shown = panel(html)
    assert f'data-alert="{world.acme}"' in shown and "<form" not in shown
    with world.client() as client:
        browser_of(world, client, Role.VIEWER)
        refused = client.post(f"/alerts/{world.acme}/acknowledge", headers=SAME_SITE)
    assert refused.status_code == 403 and world.state(world.acme) == "firing"


def test_an_account_manager_sees_only_its_clients_alerts_and_a_customer_none(world: World) -> None:
    _, board = get(world, "/board", role="account_manager", clients=("acme",))
    shown = panel(board)
    assert f'data-alert="{world.acme}"' in shown
    assert f'data-alert="{world.globex}"' not in shown, "another client's alert"
    assert f'data-alert="{world.stale}"' not in shown, "a desk-wide alert is for unscoped staff"
    assert "<form" not in shown, "account managers do not change alerts"
    _, listed = get(world, "/alerts?state=all", role="account_manager", clients=("globex",))
    assert f'data-alert="{world.globex}"' in listed and f'data-alert="{world.acme}"' not in listed
    assert get(world, f"/alerts/{world.acme}", role="account_manager", clients=("globex",))[0] == 404
    assert get(world, "/alerts", role="customer", clients=("acme",))[0] == 403


def test_vendor_text_in_an_alert_is_escaped_on_every_page(world: World) -> None:
    for path in ("/board", "/alerts", f"/alerts/{world.stale}"):
        _, html = get(world, path)
        assert VENDOR_ERROR not in html, path
        assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in html, path


def test_the_alerts_page_filters_by_state_and_text_and_one_alert_shows_its_history(world: World) -> None:
    with world.client() as client:
        browser_of(world, client)
        client.post(f"/alerts/{world.acme}/acknowledge", data={"note": "calling them"}, headers=SAME_SITE)
        firing = client.get("/alerts?state=firing").text
        found = client.get("/alerts?state=all&search=DESK%20%23201").text
        detail = client.get(f"/alerts/{world.acme}").text
        bad = client.get("/alerts?state=sleeping")
    assert f'data-alert="{world.acme}"' not in firing and f'data-alert="{world.stale}"' in firing
    assert re.search(r'data-testid="alerts-total">1<', found) and f'data-alert="{world.globex}"' in found
    events = re.search(r'data-testid="alert-events".*?</table>', detail, re.S)
    assert events is not None
    assert re.findall(r"<td>(fired|acknowledged)</td>", events.group(0)) == ["fired", "acknowledged"]
    assert "calling them" in events.group(0) and "technician@example.test" in events.group(0)
    assert 'data-testid="alert-state">acknowledged' in detail
    assert bad.status_code == 400


def test_the_metrics_pages_show_the_panel_and_the_dashboard_counts_open_alerts(world: World) -> None:
    for path in ("/sla", "/workload", "/trends"):
        status, html = get(world, path)
        assert status == 200 and f'data-alert="{world.acme}"' in panel(html), path
    _, dashboard = get(world, "/")
    assert re.search(r'data-testid="alerts-count" href="/alerts">\s*3 open alerts · 3 firing', dashboard)
    _, scoped = get(world, "/", role="account_manager", clients=("acme",))
    assert "1 open alert · 1 firing" in scoped


def test_the_json_twin_of_one_alert_has_its_history(world: World) -> None:
    status, body = get(world, f"/api/dashboard/alerts/{world.globex}")
    assert status == 200 and '"kind":"fired"' in body.replace(" ", "")
    assert get(world, f"/api/dashboard/alerts/{world.globex}", role="account_manager", clients=("acme",))[0] == 404
