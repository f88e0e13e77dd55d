"""Admin API: users, API keys, audit log and kiosk links, read as sentences about an admin and others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deskpulse.auth import sessions, tokens
from deskpulse.auth.users import find_user
from deskpulse.clock import utcnow
from deskpulse.config import AuthConfig, ClientConfig, Config
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.web import admin_pages
from deskpulse.web import kiosk as kiosk_entry
from deskpulse.web.api import admin as admin_api
from deskpulse.web.api import audit_log, keys, kiosk_links
from deskpulse.web.app import create_app
from support import api_key_for, source_config

BROWSER = {"Sec-Fetch-Site": "same-origin"}
STRONG = "correct horse battery staple"


def with_admin_routes(app: FastAPI) -> FastAPI:
    """The app with the admin routers included (until app.py includes them itself)."""
    paths = {getattr(r, "path", None) for r in app.routes}
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        paths |= {c.path for c in contexts()} if callable(contexts) else set()
    if "/api/users" not in paths:
        for module in (admin_api, keys, audit_log, kiosk_links, admin_pages, kiosk_entry):
            app.include_router(module.router)
    return app


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    clients = [
        ClientConfig(id="acme", name="Acme", email_domains=["acme.test"]),
        ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
    ]
    config = Config(
        database_url="sqlite://", sources=[source_config()], clients=clients,
        auth=AuthConfig(api_requests_per_minute=100_000, public_url="https://desk.example.test"),
    )  # fmt: skip
    with db.session() as session:
        sync_clients(session, clients)
    app = with_admin_routes(create_app(config, db=db))
    with TestClient(app, follow_redirects=False, headers=BROWSER) as test_client:
        test_client.admin_key = api_key_for(db, "admin", email="ada@desk.test")  # type: ignore[attr-defined]
        yield test_client


def key(value: str) -> dict[str, str]:
    return {"X-API-Key": value}


def admin(client: TestClient) -> dict[str, str]:
    return key(client.admin_key)  # type: ignore[attr-defined]


def new_user(client: TestClient, **body: Any) -> Any:
    return client.post("/api/users", json={"name": "", "clients": [], **body}, headers=admin(client))


def user_id(client: TestClient, email: str) -> int:
    users = client.get("/api/users", headers=admin(client)).json()
    return int(next(u["id"] for u in users if u["email"] == email))


def test_an_admin_creates_lists_and_changes_a_user(client: TestClient) -> None:
    created = new_user(client, email="Cleo@Acme.test", name="Cleo", role="customer", clients=["acme"], password=STRONG)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "cleo@acme.test"
    assert body["clients"] == ["acme"]
    assert body["is_active"] is True
    assert body["totp_enabled"] is False
    assert "password" not in str(body).lower()
    listed = client.get("/api/users", headers=admin(client)).json()
    assert {"ada@desk.test", "cleo@acme.test"} <= {u["email"] for u in listed}
    changed = client.patch(
        f"/api/users/{body['id']}", json={"role": "account_manager", "clients": ["acme", "globex"], "name": "Cleo B."},
        headers=admin(client),
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "account_manager"
    assert changed.json()["clients"] == ["acme", "globex"]
    assert changed.json()["name"] == "Cleo B."


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"email": "x@desk.test", "role": "wizard"}, "Unknown role 'wizard'"),
        ({"email": "x@desk.test", "role": "customer", "clients": ["nope"]}, "Unknown client(s): nope"),
        ({"email": "x@desk.test", "role": "customer"}, "must be given at least one client"),
        ({"email": "ada@desk.test", "role": "viewer"}, "already exists"),
        ({"email": "x@desk.test", "role": "viewer", "password": "short"}, "at least 10 characters"),
        ({"email": "not-an-address", "role": "viewer"}, "is not an e-mail address"),
    ],
)
def test_an_invalid_user_is_refused_with_a_sentence(client: TestClient, body: dict[str, Any], reason: str) -> None:
    response = new_user(client, **body)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert reason in detail
    assert detail.endswith(".")


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(client: TestClient) -> None:
    me = user_id(client, "ada@desk.test")
    for change in ({"role": "viewer"}, {"is_active": False}):
        response = client.patch(f"/api/users/{me}", json=change, headers=admin(client))
        assert response.status_code == 409
        assert "last active admin" in response.json()["detail"]
    assert new_user(client, email="bo@desk.test", role="admin").status_code == 201
    assert client.patch(f"/api/users/{me}", json={"role": "manager"}, headers=admin(client)).status_code == 200


def test_an_unknown_user_cannot_be_changed_and_users_cannot_be_deleted(client: TestClient) -> None:
    assert client.patch("/api/users/424242", json={"name": "x"}, headers=admin(client)).status_code == 404
    assert client.delete("/api/users/1", headers=admin(client)).status_code == 405


def test_deactivating_a_user_ends_their_sessions_and_keys_at_once(client: TestClient, db: Database) -> None:
    user = new_user(client, email="tess@desk.test", role="technician", password=STRONG).json()
    with db.session() as session:
        cookie = sessions.start(session, now=utcnow(), cfg=AuthConfig(), user_id=user["id"])
    tess_key = api_key_for(db, "technician")  # a colleague's key, unaffected
    client.cookies.set(sessions.COOKIE, cookie)
    assert client.get("/api/dashboard").status_code == 200
    # A key Tess created herself must stop working with her.
    own = client.post("/api/keys", json={"name": "script", "role": "viewer"}).json()["key"]
    assert client.get("/api/dashboard", headers=key(own)).status_code == 200
    off = client.patch(f"/api/users/{user['id']}", json={"is_active": False}, headers=admin(client))
    assert off.status_code == 200
    assert client.get("/api/dashboard").status_code == 401
    client.cookies.clear()
    assert client.get("/api/dashboard", headers=key(own)).status_code == 401
    assert client.get("/api/dashboard", headers=key(tess_key)).status_code == 200


def test_a_key_works_until_its_owner_revokes_it(client: TestClient, db: Database) -> None:
    viewer = api_key_for(db, "viewer")
    made = client.post("/api/keys", json={"name": "wallboard", "role": "viewer"}, headers=key(viewer))
    assert made.status_code == 201, made.text
    secret, prefix = made.json()["key"], made.json()["prefix"]
    assert prefix in secret
    assert client.get("/api/dashboard", headers=key(secret)).status_code == 200
    mine = client.get("/api/keys", headers=key(viewer)).json()
    assert prefix in {k["prefix"] for k in mine}
    assert all("key" not in k for k in mine)
    revoked = client.post(f"/api/keys/{prefix}/revoke", headers=key(viewer))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/dashboard", headers=key(secret)).status_code == 401


def test_a_viewer_cannot_create_an_admin_key_and_is_told_why(client: TestClient, db: Database) -> None:
    response = client.post(
        "/api/keys", json={"name": "sneaky", "role": "admin"}, headers=key(api_key_for(db, "viewer"))
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "A viewer cannot create a key with role admin."


def test_a_customer_of_client_a_cannot_widen_a_key_to_client_b(client: TestClient, db: Database) -> None:
    customer = api_key_for(db, "customer", ("acme",))
    wider = client.post(
        "/api/keys", json={"name": "k", "role": "customer", "clients": ["globex"]}, headers=key(customer)
    )
    assert wider.status_code == 400
    assert "clients you can see yourself" in wider.json()["detail"]
    same = client.post("/api/keys", json={"name": "k", "role": "customer"}, headers=key(customer))
    assert same.status_code == 201
    assert same.json()["clients"] == ["acme"]


def test_a_technician_sees_and_revokes_only_their_own_keys_while_an_admin_sees_all(
    client: TestClient, db: Database
) -> None:
    alice, bob = api_key_for(db, "technician"), api_key_for(db, "technician")
    bobs = client.post("/api/keys", json={"name": "bob's", "role": "viewer"}, headers=key(bob)).json()
    assert bobs["prefix"] not in {k["prefix"] for k in client.get("/api/keys", headers=key(alice)).json()}
    assert client.post(f"/api/keys/{bobs['prefix']}/revoke", headers=key(alice)).status_code == 404
    everything = client.get("/api/keys", headers=admin(client)).json()
    assert bobs["prefix"] in {k["prefix"] for k in everything}
    assert client.post(f"/api/keys/{bobs['prefix']}/revoke", headers=admin(client)).status_code == 200


def test_every_change_is_audited_and_the_audit_log_filters(client: TestClient) -> None:
    start = utcnow() - timedelta(seconds=1)
    uid = new_user(client, email="val@desk.test", role="viewer").json()["id"]
    client.patch(f"/api/users/{uid}", json={"is_active": False}, headers=admin(client))
    prefix = client.post("/api/keys", json={"name": "k", "role": "viewer"}, headers=admin(client)).json()["prefix"]
    client.post(f"/api/keys/{prefix}/revoke", headers=admin(client))
    link = client.post("/api/kiosk-links", json={"name": "Hall"}, headers=admin(client)).json()
    client.post(f"/api/kiosk-links/{link['prefix']}/revoke", headers=admin(client))
    log = client.get("/api/audit", params={"since": start.isoformat()}, headers=admin(client)).json()
    actions = [e["action"] for e in log["entries"]]
    assert actions == ["kiosk.revoke", "kiosk.create", "apikey.revoke", "apikey.create", "user.update", "user.create"]
    admin_actor = f"key:{tokens.prefix_of(client.admin_key)}"  # type: ignore[attr-defined]
    assert {e["actor"] for e in log["entries"]} == {admin_actor}
    users_only = client.get("/api/audit", params={"action": "user"}, headers=admin(client)).json()
    assert [e["action"] for e in users_only["entries"]] == ["user.update", "user.create"]
    assert users_only["entries"][0]["detail"] == {"is_active": False}
    page = client.get("/api/audit", params={"limit": 2, "offset": 1}, headers=admin(client)).json()
    assert [e["action"] for e in page["entries"]] == ["kiosk.create", "apikey.revoke"]
    assert page["total"] == 6
    assert client.get("/api/audit", params={"actor": admin_actor}, headers=admin(client)).json()["total"] == 6
    assert client.get("/api/audit", params={"actor": "nobody"}, headers=admin(client)).json()["total"] == 0
    past = (start - timedelta(days=1)).isoformat()
    assert client.get("/api/audit", params={"until": past}, headers=admin(client)).json()["total"] == 0


def test_a_kiosk_link_opens_the_dashboard_on_a_tv_until_it_is_revoked(client: TestClient) -> None:
    made = client.post("/api/kiosk-links", json={"name": "Lobby TV", "boards": ["dashboard"]}, headers=admin(client))
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith("https://desk.example.test/kiosk/")
    opened = client.get(urlsplit(url).path)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/"
    cookie = opened.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" in cookie  # public_url is https
    # The test client speaks plain http, so it would not send a Secure cookie back by itself.
    client.cookies.set(sessions.COOKIE, opened.cookies[sessions.COOKIE])
    assert client.get("/").status_code == 200
    assert client.get("/api/dashboard").status_code == 200
    assert client.get("/api/users").status_code == 403
    assert client.post(f"/api/kiosk-links/{made.json()['prefix']}/revoke", headers=admin(client)).status_code == 200
    assert client.get("/api/dashboard").status_code == 401
    back = client.get("/")
    assert back.status_code == 303
    assert back.headers["location"].startswith("/login")
    client.cookies.clear()
    gone = client.get(urlsplit(url).path)
    assert gone.status_code == 404
    assert "not valid" in gone.text


def test_a_kiosk_link_for_an_unknown_board_is_refused(client: TestClient) -> None:
    response = client.post("/api/kiosk-links", json={"boards": ["weather"]}, headers=admin(client))
    assert response.status_code == 400
    assert "Boards must be among dashboard" in response.json()["detail"]


def test_the_admin_pages_list_users_create_a_key_once_and_show_the_audit_log(client: TestClient, db: Database) -> None:
    page = client.get("/admin/users", headers=admin(client))
    assert page.status_code == 200
    assert "ada@desk.test" in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    made = client.post("/admin/users", data={"email": "pim@desk.test", "role": "viewer"}, headers=admin(client))
    assert made.status_code == 303
    assert "pim@desk.test" in client.get(made.headers["location"], headers=admin(client)).text
    refused = client.post("/admin/users", data={"email": "pim@desk.test", "role": "viewer"}, headers=admin(client))
    assert refused.status_code == 400
    assert "already exists" in refused.text
    shown = client.post("/admin/keys", data={"name": "tv", "role": "viewer"}, headers=admin(client))
    assert shown.status_code == 201
    prefix = client.get("/api/keys", headers=admin(client)).json()[0]["prefix"]
    assert prefix in shown.text and "shown only this once" in shown.text
    assert "shown only this once" not in client.get("/admin/users", headers=admin(client)).text
    assert client.post(f"/admin/keys/{prefix}/revoke", headers=admin(client)).status_code == 303
    with db.session() as session:
        pim = find_user(session, "pim@desk.test")
        assert pim is not None
    off = client.post(f"/admin/users/{pim.id}/active", data={"active": "0"}, headers=admin(client))
    assert off.status_code == 303
    audit = client.get("/admin/audit", params={"action": "user", "since": ""}, headers=admin(client))
    assert audit.status_code == 200
    assert "<td>user.create</td>" in audit.text and "<td>apikey.create</td>" not in audit.text
    assert client.get("/admin/users", headers=key(api_key_for(db, "manager"))).status_code == 403
    anonymous = client.get("/admin/audit")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")


def test_a_viewer_key_made_by_an_admin_cannot_revoke_that_admins_admin_key(client: TestClient) -> None:
    made = client.post("/api/keys", json={"name": "wallboard", "role": "viewer"}, headers=admin(client))
    lesser = made.json()["key"]
    admin_prefix = tokens.prefix_of(client.admin_key)  # type: ignore[attr-defined]
    assert client.post(f"/api/keys/{admin_prefix}/revoke", headers=key(lesser)).status_code == 404
    assert client.get("/api/dashboard", headers=admin(client)).status_code == 200
    assert client.post(f"/api/keys/{made.json()['prefix']}/revoke", headers=key(lesser)).status_code == 200
