"""Silences from the UI and the API: created with a comment and who made them, applied by the next evaluation
(the alert is recorded, nobody is notified), expired early; config-file silences listed read-only."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from alerts_support import ALWAYS_OPEN, T0, Desk, alerts, minutes
from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import ClientConfig, Config
from deskpulse.sla_config import SlaConfig
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import api_key_for, source_config

NOW = T0 + minutes(60)  # the P1 ticket is due now and 30 minutes overdue at NOW + 30
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
SECTION = alerts(
    channels=[{"type": "webhook", "name": "hook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}],
    rules=[{"id": "p1-response", "name": "P1 first response overdue",
            "condition": {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30},
            "actions": {"channels": ["hook"]}}],
    silences=[{"source": "desk", "start": "2026-12-24T18:00:00+00:00", "end": "2026-12-27T08:00:00+00:00",
               "reason": "Christmas: the desk is closed"}],
)  # fmt: skip
CONFIG = Config(
    timezone="UTC", database_url="sqlite://", sources=[source_config("desk")],
    clients=[ClientConfig(id="acme", name="Acme")], sla=SlaConfig(hours=ALWAYS_OPEN), alerts=SECTION,
)  # fmt: skip


@pytest.fixture
def desk(db: Database) -> Iterator[Desk]:
    with time_machine.travel(NOW, tick=False):
        found = Desk(db, CONFIG)
        found.add("101", at=T0)
        yield found


def call(db: Database, method: str, path: str, role: str = "admin", body: Any = None) -> tuple[int, Any]:
    with TestClient(create_app(CONFIG, db=db)) as client:
        response = client.request(method, path, headers={"X-API-Key": api_key_for(db, role, ())}, json=body)
    return response.status_code, response.json()


def evaluate(db: Database, at: datetime) -> None:
    asyncio.run(evaluate_and_apply(db, CONFIG, at, alerts=SECTION))


def test_a_silence_created_through_the_api_records_the_alert_without_notifying_until_it_is_expired(
    desk: Desk,
) -> None:
    body = {"rule": "p1-response", "client": "acme", "end": "2026-11-18T12:00:00+00:00",
            "comment": "Acme's phones are down; we know"}  # fmt: skip
    status, created = call(desk.db, "POST", "/api/dashboard/alert-silences", body=body)
    assert status == 200, created
    silence = created["data"]
    assert (silence["state"], silence["comment"]) == ("active", body["comment"])
    assert silence["createdBy"].startswith("key:"), "who created it: the caller's API key"

    evaluate(desk.db, NOW + minutes(30))
    (alert,) = desk.alerts()
    assert alert.silenced and desk.outbox() == [], "recorded, nobody notified"
    assert desk.events(alert.id) == ["fired", "silenced"]

    status, expired = call(desk.db, "DELETE", f"/api/dashboard/alert-silences/{silence['id']}")
    assert status == 200 and expired["data"]["state"] == "expired"
    assert expired["data"]["expiredBy"].startswith("key:")
    evaluate(desk.db, NOW + minutes(31))
    assert desk.outbox() == [("fired", "hook", 1, "pending")], "notified once the silence is gone"
    assert desk.events(alert.id) == ["fired", "silenced", "unsilenced"]


def test_the_list_holds_config_silences_read_only_then_stored_ones(desk: Desk) -> None:
    call(desk.db, "POST", "/api/dashboard/alert-silences",
         body={"source": "desk", "start": "2026-11-19T08:00:00+01:00", "end": "2026-11-19T10:00:00+01:00",
               "comment": "Router swap"})  # fmt: skip
    status, listed = call(desk.db, "GET", "/api/dashboard/alert-silences", role="manager")
    assert status == 200
    assert [(s["definedIn"], s["state"], s["comment"]) for s in listed["data"]] == [
        ("config", "upcoming", "Christmas: the desk is closed"),
        ("api", "upcoming", "Router swap"),
    ]
    assert listed["data"][0]["id"] is None, "a config-file silence is changed in the file, not here"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"rule": "nope", "end": "2026-11-18T12:00:00+00:00", "comment": "x"}, "There is no rule 'nope'"),
        ({"client": "initech", "end": "2026-11-18T12:00:00+00:00", "comment": "x"}, "There is no client 'initech'"),
        ({"end": "2026-11-18T08:30:00+00:00", "comment": "x"}, "already over"),
        ({"end": "2026-11-18T12:00:00", "comment": "x"}, "needs a time zone offset"),
        ({"end": "2026-11-18T12:00:00+00:00", "comment": "  "}, "Say why in a comment"),
    ],
)
def test_a_silence_that_cannot_work_is_a_400_with_a_sentence(desk: Desk, body: dict[str, str], words: str) -> None:
    status, out = call(desk.db, "POST", "/api/dashboard/alert-silences", body=body)
    assert status == 400 and words in out["message"]


def test_only_admins_and_managers_see_and_change_silences(desk: Desk) -> None:
    body = {"end": "2026-11-18T12:00:00+00:00", "comment": "x"}
    assert call(desk.db, "GET", "/api/dashboard/alert-silences", role="technician")[0] == 403
    assert call(desk.db, "POST", "/api/dashboard/alert-silences", role="technician", body=body)[0] == 403
    assert call(desk.db, "DELETE", "/api/dashboard/alert-silences/1", role="technician")[0] == 403
    assert call(desk.db, "DELETE", "/api/dashboard/alert-silences/999")[0] == 404


def _signed_in(db: Database, client: TestClient, role: Role) -> None:
    email = f"{role.value}@example.test"
    with db.session() as session:
        create_user(session, email=email, role=role, now=NOW, password="correct horse battery")
    done = client.post("/login", data={"email": email, "password": "correct horse battery", "next": "/"},
                       headers=SAME_SITE)  # fmt: skip
    assert done.status_code == 303


def test_the_silences_page_creates_and_expires_silences_through_its_forms(desk: Desk) -> None:
    form = {"rule": "p1-response", "client": "", "source": "", "start": "", "end": "2026-11-18T11:00",
            "comment": "Working on the P1s"}  # fmt: skip
    with TestClient(create_app(CONFIG, db=desk.db), follow_redirects=False) as client:
        _signed_in(desk.db, client, Role.MANAGER)
        page = client.get("/alerts/silences")
        forged = client.post("/alerts/silences", data=form, headers={"Sec-Fetch-Site": "cross-site"})
        created = client.post("/alerts/silences", data=form, headers=SAME_SITE)
        refused = client.post("/alerts/silences", data={**form, "end": "2026-11-18T08:00"}, headers=SAME_SITE)
        wordy = client.post("/alerts/silences", data={**form, "comment": "why " * 200}, headers=SAME_SITE)
        listed = client.get("/alerts/silences").text
        _, api = call(desk.db, "GET", "/api/dashboard/alert-silences")
        silence_id = api["data"][1]["id"]
        expired = client.post(f"/alerts/silences/{silence_id}/expire", headers=SAME_SITE)
        after = client.get("/alerts/silences").text
    assert page.status_code == 200 and 'data-testid="silence-form"' in page.text
    assert forged.status_code == 403
    assert created.status_code == 303 and created.headers["location"] == "/alerts/silences"
    assert refused.status_code == 400 and "already over" in refused.text
    assert wordy.status_code == 400 and "Keep the comment to 500 characters." in wordy.text
    assert "Working on the P1s" in listed and "manager@example.test" in listed
    assert f'data-testid="expire-{silence_id}"' in listed
    assert expired.status_code == 303
    assert f'data-testid="expire-{silence_id}"' not in after and "expired by manager@example.test" in after


def test_a_technician_may_not_open_the_silences_page(desk: Desk) -> None:
    with TestClient(create_app(CONFIG, db=desk.db), follow_redirects=False) as client:
        _signed_in(desk.db, client, Role.TECHNICIAN)
        assert client.get("/alerts/silences").status_code == 403
        assert client.post("/alerts/silences", data={"end": "2026-11-18T11:00", "comment": "x"},
                           headers=SAME_SITE).status_code == 403  # fmt: skip
