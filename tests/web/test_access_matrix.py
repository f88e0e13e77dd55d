"""Every route x every persona: the status follows from PERMISSIONS, so a route without a rule fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from deskpulse.auth import apikeys, kiosk, sessions
from deskpulse.auth.principal import KIOSK_PERMISSIONS
from deskpulse.auth.roles import PERMISSIONS, Role
from deskpulse.clock import utcnow
from deskpulse.config import AuthConfig, ClientConfig, Config
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.web import admin_pages
from deskpulse.web import kiosk as kiosk_entry
from deskpulse.web.api import admin, audit_log, keys, kiosk_links
from deskpulse.web.app import create_app
from deskpulse.web.auth import route_permissions
from support import api_key_for, source_config

# Framework plumbing that is deliberately outside the access rules.
UNDECLARED_ALLOWED = {"/static", "/docs-assets", "/openapi.json"}
BROWSER = {"Sec-Fetch-Site": "same-origin"}  # what a browser sends on same-site requests (passes CSRF)
DUMMY = "999999"


def config_with_a_source_and_two_clients() -> Config:
    """One Trengo source and clients A (acme) and B (globex)."""
    clients = [
        ClientConfig(id="acme", name="Acme", email_domains=["acme.test"]),
        ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
    ]
    auth = AuthConfig(api_requests_per_minute=100_000)
    return Config(database_url="sqlite://", sources=[source_config()], clients=clients, auth=auth)


def with_admin_routes(app: FastAPI) -> FastAPI:
    """The app with the admin routers included (until app.py includes them itself)."""
    if "/api/users" not in {path for path, _ in walk(app)}:
        for module in (admin, keys, audit_log, kiosk_links, admin_pages, kiosk_entry):
            app.include_router(module.router)
    return app


def walk(app: FastAPI) -> Iterator[tuple[str, Any]]:
    """(path, route or route context) for every route, looking inside lazily included routers."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                yield context.path, context
        else:
            yield getattr(route, "path", repr(route)), route


@dataclass(frozen=True)
class Persona:
    """Someone calling the app: a role (None: anonymous), how they authenticate."""

    name: str
    role: Role | None = None
    key: str | None = None
    kiosk: bool = False
    revoked: bool = False

    def holds(self, permissions: list[str]) -> bool:
        """True when this persona's role holds every permission (kiosks: dashboard reading only)."""
        if self.role is None or self.revoked:
            return False
        if self.kiosk and not set(permissions) <= KIOSK_PERMISSIONS:
            return False
        return all(self.role in PERMISSIONS[p] for p in permissions)


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TestClient, list[Persona], str]]:
    config = config_with_a_source_and_two_clients()
    app = with_admin_routes(create_app(config, db=db))
    with db.session() as session:
        sync_clients(session, config.clients)
    revoked = api_key_for(db, "admin")
    with db.session() as session:
        prefix = apikeys.resolve(session, revoked, now=utcnow()).actor.removeprefix("key:")  # type: ignore[union-attr]
        apikeys.revoke(session, prefix, now=utcnow())
        _, tv_secret = kiosk.create(session, name="TV", boards=["dashboard"], clients=None, creator=None, now=utcnow())
    personas = [
        Persona("anonymous"),
        Persona("an admin", Role.ADMIN, api_key_for(db, "admin")),
        Persona("a manager", Role.MANAGER, api_key_for(db, "manager")),
        Persona("an account manager of client A", Role.ACCOUNT_MANAGER, api_key_for(db, "account_manager", ("acme",))),
        Persona("a technician", Role.TECHNICIAN, api_key_for(db, "technician")),
        Persona("a viewer", Role.VIEWER, api_key_for(db, "viewer")),
        Persona("a customer of client A", Role.CUSTOMER, api_key_for(db, "customer", ("acme",))),
        Persona("a revoked API key", Role.ADMIN, revoked, revoked=True),
        Persona("a kiosk TV", Role.VIEWER, kiosk=True),
    ]
    app.state.live_max_stream_seconds = 0  # /api/stream answers and ends at once instead of streaming
    with TestClient(app, follow_redirects=False) as client:
        yield client, personas, tv_secret


def _is_page(dependant: Any) -> bool:
    stack = [dependant]
    while stack:
        dep = stack.pop()
        if getattr(getattr(dep, "call", None), "__name__", "").startswith("page_"):
            return True
        stack.extend(getattr(dep, "dependencies", []))
    return False


def _call(client: TestClient, persona: Persona, method: str, path: str, tv_secret: str) -> Any:
    client.cookies.clear()
    headers = dict(BROWSER)
    if persona.key is not None:
        headers["X-API-Key"] = persona.key
    if persona.kiosk:
        # A fresh TV session per call, so a route that ends sessions cannot skew the next rows.
        opened = client.get(f"/kiosk/{tv_secret}")
        assert opened.status_code == 303, opened.text
        client.cookies.set(sessions.COOKIE, opened.cookies[sessions.COOKIE])
    url = re.sub(r"\{[^}]+\}", DUMMY, path)
    if method == "GET":
        return client.get(url, headers=headers)
    return client.request(method, url, headers=headers, json={})


def declared_routes(app: FastAPI) -> tuple[list[tuple[str, Any, list[str]]], list[str]]:
    """((path, route, permissions) of declared API routes, sentences about every undeclared route)."""
    found, undeclared = [], []
    for path, route in walk(app):
        if isinstance(route, Mount | Route) and not isinstance(route, APIRoute):
            if path not in UNDECLARED_ALLOWED:
                undeclared.append(f"{path} ({type(route).__name__}) is not an API route with an access rule")
            continue
        declared, permissions = route_permissions(route.dependant)
        if not declared:
            undeclared.append(f"{sorted(route.methods)} {path} declares no require()/require_page()/Public")
            continue
        unknown = [p for p in permissions if p not in PERMISSIONS]
        assert not unknown, f"{path} requires permissions missing from PERMISSIONS: {unknown}"
        found.append((path, route, permissions))
    return found, undeclared


def expectation(persona: Persona, permissions: list[str], page: bool, response: Any) -> tuple[bool, str]:
    """(as expected?, what was expected) for one persona's response on one route."""
    got = response.status_code
    location = response.headers.get("location", "")
    if not permissions:
        return got not in (401, 403) or persona.revoked, "neither 401 nor 403 (public)"
    if persona.role is None and page:
        return got == 303 and location.startswith("/login"), "303 to /login"
    if persona.role is None or persona.revoked:
        return got == 401, "401"
    if persona.holds(permissions):
        return got not in (401, 403) and "/login" not in location, f"access ({', '.join(permissions)})"
    return got == 403, f"403 (lacks {', '.join(permissions)})"


def test_every_route_declares_its_access_and_answers_each_persona_as_permissions_say(world: Any) -> None:
    client, personas, tv_secret = world
    routes, undeclared = declared_routes(client.app)
    assert not undeclared, "Routes without an access declaration:\n" + "\n".join(undeclared)
    wrong = []
    for path, route, permissions in routes:
        page = _is_page(route.dependant)
        for method in sorted(set(route.methods) - {"HEAD"}):
            for persona in personas:
                response = _call(client, persona, method, path, tv_secret)
                ok, want = expectation(persona, permissions, page, response)
                if not ok:
                    wrong.append(f"{method} {path} as {persona.name}: got {response.status_code}, expected {want}")
    assert len(routes) > 20
    assert not wrong, "Access matrix mismatches:\n" + "\n".join(wrong)


def test_a_route_without_an_access_rule_is_named_in_the_failure(db: Database) -> None:
    app = with_admin_routes(create_app(config_with_a_source_and_two_clients(), db=db))

    @app.get("/api/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.mount("/elsewhere", FastAPI())
    _, undeclared = declared_routes(app)
    assert any("/api/forgotten" in line for line in undeclared)
    assert any("/elsewhere" in line for line in undeclared)
