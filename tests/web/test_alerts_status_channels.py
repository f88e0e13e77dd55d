"""Alert channels on the status page: each channel's state (ok, or failing with the last error and response
status, consecutive failures, last delivery) and the "Send test notification" button for alert admins."""

from __future__ import annotations

import re

import time_machine
from fastapi.testclient import TestClient

from alerts_support import T0, WEBHOOK_SECRET, alerts, receiver
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import source_config

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def _config(url: str) -> Config:
    section = alerts(
        channels=[
            {"type": "webhook", "name": "oncall", "url": f"{url}/hook/oncall", "secret": WEBHOOK_SECRET},
            {"type": "slack", "name": "leads", "url": f"{url}/slack/leads"},
        ],
        failing_after=2,
    )
    return Config(timezone="UTC", database_url="sqlite://", sources=[source_config("desk")], alerts=section)


def _sign_in(db: Database, client: TestClient, role: Role) -> None:
    email = f"{role.value}@example.test"
    with db.session() as session:
        create_user(session, email=email, role=role, now=T0, password="correct horse battery")
    done = client.post("/login", data={"email": email, "password": "correct horse battery", "next": "/"},
                       headers=SAME_SITE)  # fmt: skip
    assert done.status_code == 303


def _row(html: str, name: str) -> str:
    found = re.search(rf'<tr id="channel-{name}".*?</tr>', html, re.S)
    assert found, f"no row for channel {name}"
    return re.sub(r"\s+", " ", found.group(0))


def test_a_failing_channel_shows_its_error_and_a_test_that_succeeds_makes_it_ok_again(db: Database) -> None:
    with receiver() as http, time_machine.travel(T0, tick=False):
        config = _config(http.server.url)
        http.fail = [(503, None), (503, None)]
        with TestClient(create_app(config, db=db), follow_redirects=False) as client:
            _sign_in(db, client, Role.MANAGER)
            before = client.get("/status/sources").text
            for _ in range(2):
                sent = client.post("/status/channels/oncall/test", headers=SAME_SITE)
                assert sent.status_code == 303
            assert sent.headers["location"] == "/status/sources?tested=oncall#channel-oncall"
            failing = client.get(sent.headers["location"]).text
            client.post("/status/channels/oncall/test", headers=SAME_SITE)
            healed = client.get("/status/sources").text
    assert "not used yet" in _row(before, "oncall") and 'data-testid="test-oncall"' in before
    row = _row(failing, "oncall")
    assert "failing" in row and "2 failed attempts in a row" in row and "response status 503" in row
    assert "(test just sent)" in row
    assert "not used yet" in _row(failing, "leads"), "the other channel is untouched"
    row = _row(healed, "oncall")
    assert "failing" not in row and "ok" in row and "response status 200" in row
    assert len(http.at("/hook/oncall")) == 1, "the third test got through, signed"


def test_staff_without_alerts_admin_see_the_state_but_no_button(db: Database) -> None:
    with receiver() as http, time_machine.travel(T0, tick=False):
        config = _config(http.server.url)
        with TestClient(create_app(config, db=db), follow_redirects=False) as client:
            _sign_in(db, client, Role.TECHNICIAN)
            page = client.get("/status/sources")
            refused = client.post("/status/channels/oncall/test", headers=SAME_SITE)
    assert page.status_code == 200 and 'data-testid="channel-oncall"' in page.text
    assert "Send test notification" not in page.text
    assert refused.status_code == 403 and http.received == []


def test_the_test_button_is_refused_from_another_site_and_for_an_unknown_channel(db: Database) -> None:
    with receiver() as http, time_machine.travel(T0, tick=False):
        config = _config(http.server.url)
        with TestClient(create_app(config, db=db), follow_redirects=False) as client:
            _sign_in(db, client, Role.ADMIN)
            forged = client.post("/status/channels/oncall/test", headers={"Sec-Fetch-Site": "cross-site"})
            unknown = client.post("/status/channels/pager/test", headers=SAME_SITE)
    assert forged.status_code == 403 and http.received == []
    assert unknown.status_code == 404
