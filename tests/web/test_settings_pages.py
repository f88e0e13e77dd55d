"""/settings, the set-up wizard and their JSON twin: admin only, forms checked for their origin, secrets never
sent back to the browser, and a refused credential answered with the vendor's reason instead of an error page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.secret_box import KEY_VARIABLE
from deskpulse.simulators.freshservice import FreshserviceScenario
from deskpulse.simulators.freshservice import create_app as freshservice_app
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import api_key_for, source_config

PASSWORD = "correct horse battery"
SAME_SITE = {"Origin": "http://testserver"}
KEY = "fs-live-key-9876543210wxyz"
FS_FORM = {"kind": "freshservice", "name": "fs", "base_url": "http://fs.test/api/v2", "api_key": KEY,
           "plan": "enterprise"}  # fmt: skip


@pytest.fixture
def client(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv(KEY_VARIABLE, "x" * 40)
    simulated = freshservice_app(FreshserviceScenario(seed=2, active_tickets=4, requesters=4), api_key=KEY,
                                 plan="enterprise")  # fmt: skip
    config = Config(database_url="sqlite://", sources=[source_config("desk")])
    app = create_app(config, db=db, connector_kwargs={"fs": {"transport": httpx2.ASGITransport(app=simulated)}})
    with db.session() as session:
        create_user(session, email="ada@example.test", role=Role.ADMIN, now=utcnow(), password=PASSWORD)
    with TestClient(app, follow_redirects=False) as test_client:
        signed = test_client.post("/login", data={"email": "ada@example.test", "password": PASSWORD},
                                  headers=SAME_SITE)  # fmt: skip
        assert signed.status_code == 303
        yield test_client


def test_only_an_admin_reaches_settings_and_the_wizard(db: Database, client: TestClient) -> None:
    viewer = api_key_for(db, "viewer")
    manager = api_key_for(db, "manager")
    for key in (viewer, manager):
        assert client.get("/api/settings", headers={"X-API-Key": key}).status_code == 403
    client.cookies.clear()
    for path in ("/settings", "/setup/source", "/setup/hours", "/setup/first-sync?source=fs"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    assert client.get("/api/settings").status_code == 401


def test_the_wizard_saves_a_source_and_never_sends_its_secret_back(client: TestClient) -> None:
    page = client.get("/setup/source?kind=freshservice")
    assert page.status_code == 200 and "Test connection" in page.text
    saved = client.post("/setup/source", data=FS_FORM, headers=SAME_SITE)
    assert saved.status_code == 303 and saved.headers["location"] == "/setup/hours?source=fs"
    for path in ("/settings", "/settings/sources/fs", "/api/settings"):
        shown = client.get(path)
        assert shown.status_code == 200 and KEY not in shown.text and "9876543210" not in shown.text, path
        assert "••••wxyz" in shown.text, path
    edit = client.get("/settings/sources/fs").text
    assert re.search(r'name="api_key"[^>]*>', edit) and 'value="fs-live' not in edit


def test_a_form_posted_from_another_site_is_refused(client: TestClient) -> None:
    answer = client.post("/settings/sources", data=FS_FORM, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
    assert "fs" not in {s["name"] for s in client.get("/api/settings").json()["sources"]}


def test_a_refused_key_gets_the_vendors_reason_not_an_error_page(client: TestClient) -> None:
    body = {"kind": "freshservice", "name": "fs", "values": {"base_url": "http://fs.test/api/v2", "api_key": "bad"}}
    answer = client.post("/api/settings/sources/test", json=body, headers=SAME_SITE)
    assert answer.status_code == 200
    assert answer.json() | {"source": "fs"} == {
        "ok": False, "source": "fs", "kind": "freshservice",
        "message": "Freshservice refused the API key (401): check the key under Profile settings.",
    }  # fmt: skip


def test_testing_a_saved_source_with_the_secret_left_empty_uses_the_saved_secret(client: TestClient) -> None:
    client.post("/setup/source", data=FS_FORM, headers=SAME_SITE)
    body = {"kind": "freshservice", "name": "fs", "values": {"base_url": "http://fs.test/api/v2", "api_key": ""}}
    answer = client.post("/api/settings/sources/test", json=body, headers=SAME_SITE).json()
    assert answer["ok"] is True and "API key accepted" in answer["message"]


def test_incomplete_or_unknown_input_is_a_400_with_a_sentence(client: TestClient) -> None:
    unknown = client.post("/api/settings/sources/test", json={"kind": "zendesk"}, headers=SAME_SITE)
    assert unknown.status_code == 400 and "Unknown source kind 'zendesk'" in unknown.json()["detail"]
    empty = client.post("/api/settings/sources/test", json={"kind": "freshservice"}, headers=SAME_SITE)
    assert empty.status_code == 400 and "api_key: Field required" in empty.json()["detail"]
    bad = client.post("/setup/source", data=FS_FORM | {"base_url": "fs.test"}, headers=SAME_SITE)
    assert bad.status_code == 400 and "base_url must start with https://" in bad.text
    assert KEY not in bad.text  # the typed secret is not echoed into the page either


def test_a_source_from_the_file_is_read_only(client: TestClient) -> None:
    listed = {s["name"]: s for s in client.get("/api/settings").json()["sources"]}
    assert listed["desk"]["readOnly"] is True and listed["desk"]["note"] == "defined in deskpulse.toml"
    assert client.get("/settings/sources/desk").status_code == 409
    taken = client.post("/settings/sources", data=FS_FORM | {"name": "desk"}, headers=SAME_SITE)
    assert taken.status_code == 400 and "defined in deskpulse.toml" in taken.text


def test_hours_are_saved_and_lead_to_the_first_sync(client: TestClient) -> None:
    form: dict[str, Any] = {"timezone": "Europe/Amsterdam", "hours_mon": "08:00-12:00, 13:00-17:00",
                            "hours_fri": "08:00-16:00", "holiday_country": "nl"}  # fmt: skip
    answer = client.post("/setup/hours?source=fs", data=form, headers=SAME_SITE)
    assert answer.status_code == 303 and answer.headers["location"] == "/setup/first-sync?source=fs"
    saved = client.get("/api/settings").json()
    assert saved["hours"]["mon"] == ["08:00-12:00", "13:00-17:00"] and saved["holidayCountry"] == "NL"
    wrong = client.post("/settings/desk", data=form | {"hours_mon": "17:00-09:00"}, headers=SAME_SITE)
    assert wrong.status_code == 400 and "cannot be used" in wrong.text
    closed = client.post("/settings/desk", data={"timezone": "UTC"}, headers=SAME_SITE)
    assert closed.status_code == 400 and "at least one day" in closed.text


def test_disabling_and_removing_a_source(client: TestClient) -> None:
    client.post("/setup/source", data=FS_FORM, headers=SAME_SITE)
    off = client.post("/settings/sources/fs/enabled", data={"enabled": "0"}, headers=SAME_SITE)
    assert off.status_code == 303
    listed = {s["name"]: s for s in client.get("/api/settings").json()["sources"]}
    assert listed["fs"]["enabled"] is False
    gone = client.post("/settings/sources/fs/remove", data={}, headers=SAME_SITE)
    assert gone.status_code == 303 and gone.headers["location"] == "/settings?done=source-removed"
    assert "fs" not in {s["name"] for s in client.get("/api/settings").json()["sources"]}
    assert client.post("/settings/sources/fs/remove", data={}, headers=SAME_SITE).status_code == 404


def test_the_sync_state_of_a_new_source_starts_as_waiting(client: TestClient) -> None:
    client.post("/setup/source", data=FS_FORM, headers=SAME_SITE)
    state = client.get("/api/settings/sources/fs/sync").json()
    assert state["state"] in ("waiting", "syncing", "done") and state["error"] is None
    assert client.get("/api/settings/sources/nope/sync").status_code == 404


def test_a_failed_first_sync_reports_the_reason(db: Database, client: TestClient) -> None:
    from deskpulse.connectors.freshservice.settings import FreshserviceSettings
    from deskpulse.store.sources import ensure_source, mark_failed

    client.post("/setup/source", data=FS_FORM, headers=SAME_SITE)
    with db.session() as session:
        row = ensure_source(session, FreshserviceSettings(name="fs", base_url="http://fs.test/api/v2", api_key="k"))
        reason = "Freshservice rejected the credentials (HTTP 401): Invalid credentials"
        mark_failed(session, row.id, at=utcnow(), reason=reason, permanent=True)
    state = client.get("/api/settings/sources/fs/sync").json()
    assert (state["state"], state["error"], state["stored"]) == ("failed", reason, 0)
    assert state["explanation"] == (
        "Freshservice refused the API key (401): check the key under Profile settings."
    )  # what the first-sync page shows, rather than the vendor's raw answer


def test_a_sync_running_in_a_worker_process_is_shown_without_a_count_this_process_cannot_know(
    db: Database, client: TestClient
) -> None:
    from datetime import timedelta

    from deskpulse.connectors.freshservice.settings import FreshserviceSettings
    from deskpulse.store.sources import ensure_source, try_lease

    client.post("/setup/source", data=FS_FORM, headers=SAME_SITE)
    now = utcnow()
    with db.session() as session:
        row = ensure_source(session, FreshserviceSettings(name="fs", base_url="http://fs.test/api/v2", api_key="k"))
        assert try_lease(session, row.id, "worker-b:42", now=now, until=now + timedelta(minutes=5), due_only=False)
    state = client.get("/api/settings/sources/fs/sync").json()
    assert (state["state"], state["fetched"], state["countsLive"]) == ("syncing", None, False)
