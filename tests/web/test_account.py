"""Sign-in, sign-out, lockout, sessions, password change and reset, TOTP and the first-admin link."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from deskpulse.auth import sessions, totp
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user
from deskpulse.config import AuthConfig, Config, SmtpConfig
from deskpulse.store.auth_tables import AuditRow, UserRow
from deskpulse.store.db import Database
from deskpulse.web import account
from deskpulse.web.account import ensure_first_admin_link
from deskpulse.web.app import create_app
from deskpulse.web.auth import route_permissions

START = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
ORIGIN = {"Origin": "http://testserver"}


def walk(app: FastAPI) -> Iterator[tuple[str, Any]]:
    """(path, route or route context) for every route, looking inside lazily included routers."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from ((context.path, context) for context in contexts())
        else:
            yield getattr(route, "path", repr(route)), route


def make_app(db: Database, smtp: SmtpConfig | None = None, **auth: Any) -> FastAPI:
    """The real app; the account router is added here until app.py includes it."""
    config = Config(auth=AuthConfig(**auth), smtp=smtp or SmtpConfig())
    app = create_app(config, db=db)
    if "/login" not in {path for path, _ in walk(app)}:
        app.include_router(account.router)
    return app


def add_user(db: Database, email: str, role: Role = Role.TECHNICIAN, name: str = "Tess Tech") -> None:
    with db.session() as session:
        create_user(session, email=email, role=role, now=START, password=PASSWORD, name=name)


def client_for(app: FastAPI, token: str | None = None) -> TestClient:
    return TestClient(app, follow_redirects=False, cookies={sessions.COOKIE: token} if token else None)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/") -> Any:
    return client.post("/login", data={"email": email, "password": password, "next": next_path}, headers=ORIGIN)


def actions(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        return [(row.action, row.result) for row in session.scalars(select(AuditRow).order_by(AuditRow.id))]


def signed_in(app: FastAPI, token: str) -> bool:
    """True when ``token`` still opens the account page (checked without any client-side cookie expiry)."""
    return client_for(app, token).get("/account").status_code == 200


@pytest.fixture
def frozen(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(START, tick=False)
    return time_machine


def test_signing_in_sets_a_safe_cookie_and_signing_out_ends_the_session(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    app = make_app(db)
    client = client_for(app)
    response = sign_in(client, "Tess@Example.test", next_path="/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    for part in ("HttpOnly", "Path=/", "SameSite=lax", "Max-Age=604800"):
        assert part in cookie
    assert "Secure" not in cookie  # plain http in this test; https gets Secure
    token = client.cookies[sessions.COOKIE]
    page = client.get("/account")
    assert page.status_code == 200 and "tess@example.test" in page.text and "Sign out" in page.text

    again = sign_in(client, "tess@example.test")
    assert client.cookies[sessions.COOKIE] != token  # a fresh token at every sign-in
    assert not signed_in(app, token)
    token = client.cookies[sessions.COOKIE]

    out = client.post("/logout", headers=ORIGIN)
    assert again.status_code == 303 and out.status_code == 303
    assert out.headers["location"] == "/login?done=signed-out"
    assert 'deskpulse_session=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert not signed_in(app, token)
    assert client.get("/").headers["location"] == "/login?next=%2F"
    assert actions(db) == [("sign_in", "ok"), ("sign_in", "ok"), ("sign_out", "ok")]


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    client = client_for(make_app(db))
    wrong = sign_in(client, "tess@example.test", "not the password")
    unknown = sign_in(client, "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "E-mail or password is wrong." in wrong.text and "E-mail or password is wrong." in unknown.text
    assert wrong.text.replace("tess@", "X@") == unknown.text.replace("nobody@", "X@")
    assert sessions.COOKIE not in client.cookies
    assert actions(db) == [("sign_in_failed", "failed")] * 2


def test_five_failures_lock_the_account_with_429_until_the_window_has_passed(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    client = client_for(make_app(db))
    for _ in range(5):
        assert sign_in(client, "tess@example.test", "wrong").status_code == 400
    locked = sign_in(client, "tess@example.test")  # even the right password is refused now
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60 + 1
    assert re.search(r"Too many failed sign-ins\. Try again in 1[56] minutes\.", locked.text)
    assert ("sign_in_locked", "refused") in actions(db)
    frozen.shift(timedelta(minutes=15, seconds=1))
    assert sign_in(client, "tess@example.test").status_code == 303


def test_five_failures_from_one_address_lock_that_address_for_every_account(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    client = client_for(make_app(db))
    for n in range(5):
        assert sign_in(client, f"guess{n}@example.test", "wrong").status_code == 400
    assert sign_in(client, "tess@example.test").status_code == 429
    frozen.shift(timedelta(minutes=16))
    assert sign_in(client, "tess@example.test").status_code == 303


def test_a_session_ends_after_the_idle_timeout(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    app = make_app(db, session_idle_minutes=30)
    client = client_for(app)
    sign_in(client, "tess@example.test")
    token = client.cookies[sessions.COOKIE]
    frozen.shift(timedelta(minutes=29))
    assert signed_in(app, token)
    frozen.shift(timedelta(minutes=31))
    response = client_for(app, token).get("/account")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Faccount"


def test_a_busy_session_still_ends_at_the_absolute_timeout(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    app = make_app(db, session_idle_minutes=30, session_absolute_hours=1)
    client = client_for(app)
    sign_in(client, "tess@example.test")
    token = client.cookies[sessions.COOKIE]
    for _ in range(2):
        frozen.shift(timedelta(minutes=25))
        assert signed_in(app, token)
    frozen.shift(timedelta(minutes=11))
    assert not signed_in(app, token)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "evil", "/\t/evil.example"],
)
def test_next_only_leads_to_a_path_on_this_site(db: Database, frozen: Any, target: str) -> None:
    add_user(db, "tess@example.test")
    client = client_for(make_app(db))
    assert 'name="next" value="/"' in client.get("/login", params={"next": target}).text
    assert sign_in(client, "tess@example.test", next_path=target).headers["location"] == "/"


def test_next_keeps_a_relative_path_with_its_query(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    client = client_for(make_app(db))
    assert sign_in(client, "tess@example.test", next_path="/?source=b").headers["location"] == "/?source=b"


def test_changing_the_password_signs_out_the_other_sessions(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    app = make_app(db)
    laptop, phone = client_for(app), client_for(app)
    sign_in(laptop, "tess@example.test")
    sign_in(phone, "tess@example.test")
    form = {"current": "wrong", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    refused = laptop.post("/account/password", data=form, headers=ORIGIN)
    assert refused.status_code == 400 and "The current password is wrong." in refused.text
    weak = laptop.post(
        "/account/password", data={"current": PASSWORD, "new": "short", "repeat": "short"}, headers=ORIGIN
    )
    assert weak.status_code == 400 and "The password must be at least 10 characters long." in weak.text
    changed = laptop.post("/account/password", data=form | {"current": PASSWORD}, headers=ORIGIN)
    assert changed.headers["location"] == "/account?done=password"
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 303
    assert sign_in(client_for(app), "tess@example.test", NEW_PASSWORD).status_code == 303
    assert ("password_changed", "failed") in actions(db) and ("password_changed", "ok") in actions(db)


class Inbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpConfig, Inbox]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpConfig(host="127.0.0.1", port=port, security="none", from_address="desk@example.test"), inbox
    finally:
        controller.stop()


def request_link(db: Database, config: SmtpConfig, inbox: Inbox, email: str = "tess@example.test") -> str:
    client = client_for(make_app(db, smtp=config, public_url="https://desk.example.test"))
    response = client.post("/password-reset", data={"email": email}, headers=ORIGIN)
    assert response.status_code == 202
    assert "If an account exists for that address, we sent a link." in response.text
    body = inbox.messages[-1].get_payload(decode=True).decode()
    found = re.search(r"https://desk\.example\.test(/password-reset/\S+)", body)
    assert found is not None
    return found.group(1)


def test_a_reset_link_is_mailed_and_works_once(db: Database, frozen: Any, smtp: tuple[SmtpConfig, Inbox]) -> None:
    config, inbox = smtp
    add_user(db, "tess@example.test")
    app = make_app(db, smtp=config)
    other = client_for(app)
    sign_in(other, "tess@example.test")
    path = request_link(db, config, inbox)
    assert inbox.messages[-1]["To"] == "tess@example.test" and inbox.messages[-1]["Message-ID"]
    client = client_for(app)
    assert "Choose a new password" in client.get(path).text
    mismatch = client.post(path, data={"new": NEW_PASSWORD, "repeat": "something else"}, headers=ORIGIN)
    assert mismatch.status_code == 400 and "are not the same" in mismatch.text
    done = client.post(path, data={"new": NEW_PASSWORD, "repeat": NEW_PASSWORD}, headers=ORIGIN)
    assert done.headers["location"] == "/login?done=reset"
    assert other.get("/account").status_code == 303  # every session ended
    assert sign_in(client_for(app), "tess@example.test", NEW_PASSWORD).status_code == 303
    for again in (client.get(path), client.post(path, data={"new": PASSWORD, "repeat": PASSWORD}, headers=ORIGIN)):
        assert again.status_code == 400 and "expired or has already been used" in again.text
    assert ("password_reset_requested", "ok") in actions(db) and ("password_reset", "ok") in actions(db)


def test_a_reset_link_expires_after_an_hour(db: Database, frozen: Any, smtp: tuple[SmtpConfig, Inbox]) -> None:
    config, inbox = smtp
    add_user(db, "tess@example.test")
    path = request_link(db, config, inbox)
    frozen.shift(timedelta(hours=1, seconds=1))
    response = client_for(make_app(db, smtp=config)).get(path)
    assert response.status_code == 400 and "expired or has already been used" in response.text


def test_a_reset_request_for_an_unknown_address_gets_the_same_answer_and_no_mail(
    db: Database, frozen: Any, smtp: tuple[SmtpConfig, Inbox]
) -> None:
    config, inbox = smtp
    client = client_for(make_app(db, smtp=config))
    response = client.post("/password-reset", data={"email": "nobody@example.test"}, headers=ORIGIN)
    assert response.status_code == 202 and "If an account exists for that address, we sent a link." in response.text
    assert inbox.messages == []


def test_a_reset_without_smtp_shows_the_neutral_answer_and_audits_the_failure(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    client = client_for(make_app(db))
    response = client.post("/password-reset", data={"email": "tess@example.test"}, headers=ORIGIN)
    assert response.status_code == 202 and "If an account exists for that address, we sent a link." in response.text
    assert ("password_reset_mail_failed", "failed") in actions(db)


def enrol(client: TestClient) -> str:
    page = client.get("/account/totp")
    found = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert found is not None and "otpauth://totp/" in page.text
    secret = found.group(1)
    wrong = client.post("/account/totp", data={"secret": secret, "code": "000000"}, headers=ORIGIN)
    assert wrong.status_code == 400 and "That code is wrong." in wrong.text
    code = totp.code_at(secret, START.timestamp())
    assert client.post("/account/totp", data={"secret": secret, "code": code}, headers=ORIGIN).status_code == 303
    return secret


def test_totp_enrolment_then_sign_in_needs_the_right_code(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    app = make_app(db)
    client = client_for(app)
    sign_in(client, "tess@example.test")
    secret = enrol(client)
    assert "Two-step sign-in is on." in client.get("/account?done=totp-on").text

    browser = client_for(app)
    step = sign_in(browser, "tess@example.test", next_path="/account")
    assert step.headers["location"] == "/login/totp?next=%2Faccount"
    assert browser.get("/account").status_code == 303  # the password alone is not a session
    wrong = browser.post("/login/totp", data={"code": "123456", "next": "/account"}, headers=ORIGIN)
    assert wrong.status_code == 400 and "That code is wrong." in wrong.text
    pending = browser.cookies[sessions.COOKIE]
    # The enrolment code cannot be replayed; the next 30-second code signs in.
    replay = browser.post(
        "/login/totp", data={"code": totp.code_at(secret, START.timestamp()), "next": "/account"}, headers=ORIGIN
    )
    assert replay.status_code == 400
    frozen.shift(30)
    later = START.timestamp() + 30
    right = browser.post("/login/totp", data={"code": totp.code_at(secret, later), "next": "/account"}, headers=ORIGIN)
    assert right.headers["location"] == "/account"
    assert browser.cookies[sessions.COOKIE] != pending and browser.get("/account").status_code == 200
    assert ("totp_enabled", "ok") in actions(db) and ("sign_in_totp_failed", "failed") in actions(db)

    off = browser.post("/account/totp/disable", data={"password": PASSWORD}, headers=ORIGIN)
    assert off.headers["location"] == "/account?done=totp-off" and ("totp_disabled", "ok") in actions(db)


def test_five_wrong_codes_end_the_pending_sign_in(db: Database, frozen: Any) -> None:
    add_user(db, "tess@example.test")
    with db.session() as session:
        user = session.scalar(select(UserRow).where(UserRow.email == "tess@example.test"))
        assert user is not None
        user.totp_secret = totp.new_secret()
        secret = user.totp_secret
    client = client_for(make_app(db, lockout_attempts=20))
    sign_in(client, "tess@example.test")
    for _ in range(4):
        assert client.post("/login/totp", data={"code": "000000"}, headers=ORIGIN).status_code == 400
    ended = client.post("/login/totp", data={"code": "000000"}, headers=ORIGIN)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login?done=expired")
    late = client.post("/login/totp", data={"code": totp.code_at(secret, START.timestamp())}, headers=ORIGIN)
    assert late.headers["location"].startswith("/login?done=expired")


def test_an_admin_must_enrol_totp_first_when_the_server_requires_it(db: Database, frozen: Any) -> None:
    add_user(db, "ada@example.test", Role.ADMIN, "Ada Admin")
    client = client_for(make_app(db, require_totp_for_admins=True))
    assert sign_in(client, "ada@example.test", next_path="/account").headers["location"] == "/account/totp"
    assert client.get("/account").headers["location"] == "/account/totp"
    enrol(client)
    assert client.get("/account").status_code == 200


def test_the_first_admin_link_works_once_and_not_after_a_user_exists(db: Database, frozen: Any) -> None:
    app = make_app(db, public_url="https://desk.example.test/")
    config = app.state.config
    link = ensure_first_admin_link(db, config, START)
    spare = ensure_first_admin_link(db, config, START)
    assert link is not None and spare is not None and link.startswith("https://desk.example.test/setup/")
    path, spare_path = link.removeprefix("https://desk.example.test"), spare.removeprefix("https://desk.example.test")
    client = client_for(app)
    assert "Create the first administrator" in client.get(path).text
    form = {"email": "ada@example.test", "name": "Ada", "password": PASSWORD, "repeat": PASSWORD}
    weak = client.post(path, data=form | {"password": "short", "repeat": "short"}, headers=ORIGIN)
    assert weak.status_code == 400 and "at least 10 characters" in weak.text
    created = client.post(path, data=form, headers=ORIGIN)
    # No source configured yet: the new admin goes on to the set-up wizard.
    assert created.status_code == 303 and created.headers["location"] == "/setup/source"
    assert client.get("/account").status_code == 200 and "admin" in client.get("/account").text
    for used in (path, spare_path):
        assert client_for(app).get(used).status_code == 400
        assert client_for(app).post(used, data=form | {"email": "eve@example.test"}, headers=ORIGIN).status_code == 400
    assert ensure_first_admin_link(db, config, START) is None
    assert ("first_admin_created", "ok") in actions(db)


def test_every_account_route_declares_its_access(db: Database) -> None:
    app = make_app(db)
    # /setup/{token} only: the set-up wizard's /setup/source, /setup/hours, /setup/first-sync are admin pages.
    prefixes = ("/login", "/logout", "/account", "/password-reset", "/setup/{token}")
    mine = [(path, route) for path, route in walk(app) if path.startswith(prefixes)]
    assert len(mine) >= 14
    for path, route in mine:
        declared, permissions = route_permissions(route.dependant)
        assert declared, f"{path} declares no access rule"
        assert permissions == (["account:self"] if path.startswith("/account") else []), path
