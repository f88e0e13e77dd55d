"""The HTTP security layers: hardening headers, CSRF, body size, rate limits and CORS."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from deskpulse.config import AuthConfig, Config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from deskpulse.web.security import BodyLimitMiddleware, FixedWindowLimiter, install_security

COOKIE = {"deskpulse_session": "s3ss10n"}
CSRF_REFUSED = "Cross-site request refused (CSRF protection): "


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_app(clock: FakeClock | None = None, **auth: Any) -> FastAPI:
    """A tiny app with a page, the docs, a login form and a small JSON API, with every security layer."""
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<!doctype html><p>hello</p>")

    @app.get("/own-csp")
    async def own_csp() -> HTMLResponse:
        return HTMLResponse("<p>framed</p>", headers={"Content-Security-Policy": "frame-ancestors 'self'"})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="t", swagger_js_url="/docs-assets/ui.js")

    @app.post("/login")
    async def login() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/login/totp")
    async def totp() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/items")
    async def items() -> list[int]:
        return [1, 2]

    @app.post("/api/items")
    async def create(request: Request) -> dict[str, Any]:
        body = await request.body()
        return {"size": len(body), "declared": request.headers.get("content-length")}

    @app.post("/hooks/trengo")
    async def hook() -> dict[str, bool]:
        return {"ok": True}

    config = Config(auth=AuthConfig(**({"max_body_bytes": 1024} | auth)))
    install_security(app, config, clock=clock or FakeClock(), csrf_exempt=("/hooks/",))
    return app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(make_app(clock)) as c:
        yield c


@pytest.fixture
def browser(clock: FakeClock) -> Iterator[TestClient]:
    """A client holding a session cookie, like a signed-in browser."""
    with TestClient(make_app(clock), cookies=COOKIE) as c:
        yield c


def csp_directives(value: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in value.split(";") if d.strip()}


# --- headers -----------------------------------------------------------------------------------------------------


def test_every_response_carries_the_hardening_headers_and_a_strict_csp(client: TestClient) -> None:
    for response in (client.get("/page"), client.get("/api/items"), client.get("/missing")):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cross-origin-opener-policy"] == "same-origin"
        assert "camera=()" in headers["permissions-policy"]
        csp = csp_directives(headers["content-security-policy"])
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'", "data:"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert "strict-transport-security" not in headers


def test_hsts_is_sent_only_when_the_request_came_over_https() -> None:
    app = make_app()
    with TestClient(app, base_url="https://testserver") as tls:
        assert tls.get("/page").headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    with TestClient(app) as plain:
        assert "strict-transport-security" not in plain.get("/page").headers


def test_a_csp_the_route_set_itself_is_kept(client: TestClient) -> None:
    headers = client.get("/own-csp").headers
    assert headers["content-security-policy"] == "frame-ancestors 'self'"
    assert headers["x-content-type-options"] == "nosniff"


def test_the_docs_page_may_run_exactly_its_inline_script_while_other_pages_forbid_inline_scripts(
    client: TestClient,
) -> None:
    response = client.get("/docs")
    (inline,) = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    expected = "'sha256-" + base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode() + "'"
    docs_scripts = csp_directives(response.headers["content-security-policy"])["script-src"]
    assert docs_scripts == ["'self'", expected]
    assert "'unsafe-inline'" not in docs_scripts and "'unsafe-eval'" not in docs_scripts
    page_scripts = csp_directives(client.get("/page").headers["content-security-policy"])["script-src"]
    assert page_scripts == ["'self'"]


def test_streamed_responses_pass_through_every_layer_chunk_by_chunk() -> None:
    app = make_app()

    @app.get("/api/events")
    async def events() -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            for n in range(3):
                yield f"data: {n}\n\n".encode()

        return StreamingResponse(stream(), media_type="text/event-stream")

    sent: list[Message] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected until the stream ends
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/events",
        "raw_path": b"/api/events",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start, *bodies = sent
    assert start["type"] == "http.response.start"
    assert dict(start["headers"])[b"x-content-type-options"] == b"nosniff"
    chunks = [m["body"] for m in bodies if m["body"]]
    assert chunks == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]


def test_the_real_app_sends_the_headers_on_its_pages_and_api(db: Database) -> None:
    config = Config()
    app = create_app(config, db=db)
    install_security(app, config)
    client = TestClient(app)  # no lifespan: the chart bundle is not needed to check headers
    for path in ("/", "/api/dashboard"):
        headers = client.get(path, follow_redirects=False).headers
        assert csp_directives(headers["content-security-policy"])["script-src"] == ["'self'"], path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path


# --- CSRF --------------------------------------------------------------------------------------------------------


def test_a_cookie_post_with_no_provenance_headers_is_refused(browser: TestClient) -> None:
    response = browser.post("/api/items", content=b"{}")
    assert response.status_code == 403
    assert response.json()["detail"].startswith(CSRF_REFUSED)
    assert "Sec-Fetch-Site, Origin or Referer" in response.json()["detail"]


def test_a_cookie_post_the_browser_marks_cross_site_is_refused(browser: TestClient) -> None:
    for site in ("cross-site", "same-site"):
        response = browser.post("/api/items", headers={"Sec-Fetch-Site": site})
        assert response.status_code == 403
        assert f"Sec-Fetch-Site: {site}" in response.json()["detail"]


def test_a_cookie_post_from_a_foreign_origin_is_refused(browser: TestClient) -> None:
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/form"}):
        response = browser.post("/api/items", headers=headers)
        assert response.status_code == 403
        assert "https://evil.example is neither this site (http://testserver)" in response.json()["detail"]


def test_a_cookie_post_from_this_site_passes(browser: TestClient) -> None:
    for headers in (
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://testserver"},
        {"Origin": "null", "Referer": "http://testserver/page"},
    ):
        assert browser.post("/api/items", headers=headers).status_code == 200, headers


def test_requests_with_an_api_key_or_without_the_cookie_are_not_csrf_checked(browser: TestClient) -> None:
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert browser.post("/api/items", headers=cross | {"Authorization": "Bearer k1"}).status_code == 200
    assert browser.post("/api/items", headers=cross | {"X-API-Key": "k1"}).status_code == 200
    with TestClient(make_app()) as anonymous:
        assert anonymous.post("/api/items", headers=cross).status_code == 200
        assert anonymous.post("/api/items", headers={"X-API-Key": "k1"}).status_code == 200


def test_safe_methods_are_never_blocked(browser: TestClient) -> None:
    assert browser.get("/api/items", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    assert browser.get("/api/items", headers={"Origin": "https://evil.example"}).status_code == 200


def test_configured_origins_and_the_public_url_are_trusted() -> None:
    app = make_app(cors_origins=["https://portal.example.com/"], public_url="https://desk.example.com/deskpulse")
    with TestClient(app, cookies=COOKIE) as c:
        portal = {"Origin": "https://portal.example.com", "Sec-Fetch-Site": "same-site"}
        assert c.post("/api/items", headers=portal).status_code == 200
        assert c.post("/api/items", headers={"Origin": "https://desk.example.com:443"}).status_code == 200
        assert c.post("/api/items", headers={"Origin": "https://other.example.com"}).status_code == 403


def test_exempt_paths_take_cross_site_posts(browser: TestClient) -> None:
    assert browser.post("/hooks/trengo", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_the_login_form_is_checked_even_before_there_is_a_session(client: TestClient) -> None:
    assert client.post("/login", headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/login", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


# --- body limit --------------------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_from_its_content_length(client: TestClient) -> None:
    response = client.post("/api/items", content=b"x" * 1025)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large (max 1024 bytes)."}
    assert client.post("/api/items", content=b"x" * 1024).json() == {"size": 1024, "declared": "1024"}


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(client: TestClient) -> None:
    def chunks(count: int) -> Iterator[bytes]:
        for _ in range(count):
            yield b"y" * 600

    response = client.post("/api/items", content=chunks(2))
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large (max 1024 bytes)."}
    assert client.post("/api/items", content=chunks(1)).json() == {"size": 600, "declared": None}


def test_the_body_limit_also_guards_a_plain_asgi_app() -> None:
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})

    c = TestClient(BodyLimitMiddleware(echo, max_body_bytes=10))  # no lifespan: echo speaks only HTTP
    assert c.post("/", content=iter([b"12345", b"67890"])).text == "10"
    response = c.post("/", content=iter([b"12345", b"678901"]))
    assert response.status_code == 413
    assert response.json()["detail"] == "Request body too large (max 10 bytes)."


# --- rate limits -------------------------------------------------------------------------------------------------


def test_the_request_past_the_limit_gets_429_with_retry_after(clock: FakeClock) -> None:
    with TestClient(make_app(clock, api_requests_per_minute=3)) as c:
        assert [c.get("/api/items").status_code for _ in range(3)] == [200, 200, 200]
        refused = c.get("/api/items")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "60"
        assert refused.json() == {"detail": "Too many requests; retry in 60 s."}
        assert refused.headers["x-content-type-options"] == "nosniff"
        assert c.get("/page").status_code == 200  # only /api/ is limited


def test_the_window_rolls_over_with_the_clock(clock: FakeClock) -> None:
    with TestClient(make_app(clock, api_requests_per_minute=2)) as c:
        c.get("/api/items")
        clock.now += 20
        c.get("/api/items")
        clock.now += 10.5
        refused = c.get("/api/items")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
        clock.now += 29.5
        assert c.get("/api/items").status_code == 200


def test_api_key_buckets_are_independent_of_the_address_and_of_each_other(clock: FakeClock) -> None:
    with TestClient(make_app(clock, api_requests_per_minute=2)) as c:
        for _ in range(2):
            c.get("/api/items")
        assert c.get("/api/items").status_code == 429
        assert c.get("/api/items", headers={"X-API-Key": "key-one"}).status_code == 200
        # The same key counts once whichever header carries it.
        assert c.get("/api/items", headers={"Authorization": "Bearer key-one"}).status_code == 200
        assert c.get("/api/items", headers={"X-API-Key": "key-one"}).status_code == 429
        assert c.get("/api/items", headers={"X-API-Key": "key-two"}).status_code == 200


def test_sign_in_posts_share_their_own_tighter_limit_per_address(clock: FakeClock) -> None:
    same_origin = {"Sec-Fetch-Site": "same-origin"}
    with TestClient(make_app(clock)) as c:
        assert all(c.post("/login", headers=same_origin).status_code == 200 for _ in range(19))
        assert c.post("/login/totp", headers=same_origin).status_code == 200
        # A made-up API key does not buy a fresh guessing budget.
        refused = c.post("/login/totp", headers=same_origin | {"X-API-Key": "made-up"})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert c.get("/api/items").status_code == 200
        clock.now += 60
        assert c.post("/login", headers=same_origin).status_code == 200


def test_the_api_key_never_reaches_the_log(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), TestClient(make_app(clock, api_requests_per_minute=1)) as c:
        for _ in range(3):
            c.get("/api/items", headers={"Authorization": "Bearer very-secret-key"})
    assert len(caplog.records) == 1  # once per window, not once per refused request
    assert "very-secret-key" not in caplog.text
    assert hashlib.sha256(b"very-secret-key").hexdigest()[:8] not in caplog.text


def test_the_limiter_forgets_idle_clients_and_stays_bounded(clock: FakeClock) -> None:
    limiter = FixedWindowLimiter(5, clock=clock, max_keys=3)
    for n in range(10):
        limiter.hit(f"client-{n}")
    assert len(limiter) == 3
    clock.now += 61
    limiter.hit("fresh")
    assert len(limiter) == 1


# --- CORS --------------------------------------------------------------------------------------------------------

PREFLIGHT = {"Origin": "https://portal.example.com", "Access-Control-Request-Method": "POST"}


def test_no_cors_headers_are_sent_by_default(client: TestClient) -> None:
    for response in (client.options("/api/items", headers=PREFLIGHT), client.get("/api/items", headers=PREFLIGHT)):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_a_configured_origin_gets_cors_headers_without_credentials() -> None:
    with TestClient(make_app(cors_origins=["https://portal.example.com/"])) as c:
        preflight = c.options(
            "/api/items", headers=PREFLIGHT | {"Access-Control-Request-Headers": "Authorization, Content-Type"}
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://portal.example.com"
        assert "access-control-allow-credentials" not in preflight.headers
        assert preflight.headers["x-content-type-options"] == "nosniff"
        assert c.get("/api/items", headers=PREFLIGHT).headers["access-control-expose-headers"] == "Retry-After"
        foreign = c.options("/api/items", headers=PREFLIGHT | {"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers
