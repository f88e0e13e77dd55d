"""HTTP security layers for the web app: headers, CSRF, body size, rate limits and CORS.

All are pure ASGI middleware (not ``BaseHTTPMiddleware``), so streamed responses such as server-sent events pass
through unbuffered. :func:`install_security` adds them in order; call it last in ``create_app`` so they wrap
every other middleware.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from deskpulse.config import Config
from deskpulse.web.security._asgi import origin_of
from deskpulse.web.security.csrf import CSRFMiddleware, trusted_origins
from deskpulse.web.security.headers import DEFAULT_CSP, SecurityHeadersMiddleware, inline_script_hashes
from deskpulse.web.security.limits import (
    BodyLimitMiddleware,
    Clock,
    FixedWindowLimiter,
    RateLimitMiddleware,
    RequestBodyTooLarge,
)

__all__ = [
    "DEFAULT_CSP",
    "BodyLimitMiddleware",
    "CSRFMiddleware",
    "FixedWindowLimiter",
    "RateLimitMiddleware",
    "RequestBodyTooLarge",
    "SecurityHeadersMiddleware",
    "add_cors",
    "inline_script_hashes",
    "install_security",
    "trusted_origins",
]


def add_cors(app: FastAPI, origins: Iterable[str]) -> None:
    """Let the listed origins call the API from their pages; with none (the default) no CORS header is ever sent.

    Defaults and why:

    * ``allow_credentials=False``: cross-origin callers authenticate with an API key in a header, never with the
      session cookie, so a partner page can never act with a signed-in user's session.
    * methods GET/POST/PUT/PATCH/DELETE and headers ``Authorization``, ``X-API-Key``, ``Content-Type``: what an
      API client needs, nothing more.
    * ``Retry-After`` exposed so a script can back off after a 429; preflights cached for 10 minutes.

    Origins are normalised to ``scheme://host[:port]`` (what browsers send), so a trailing slash in the
    configuration does not silently disable them; ``"*"`` is kept as is (any origin, still without cookies).
    """
    allowed = sorted({"*" if o.strip() == "*" else (origin_of(o) or o.strip()) for o in origins if o.strip()})
    if not allowed:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed,
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )


def install_security(
    app: FastAPI,
    config: Config,
    *,
    session_cookie: str = "deskpulse_session",
    clock: Clock = time.monotonic,
    csrf_exempt: Iterable[str] = (),
    login_per_minute: int = 20,
) -> None:
    """Add every security layer to ``app``; call after any other ``add_middleware`` so these run first.

    Outermost to innermost: security headers and CORS (they only decorate responses, so the 413/429/403 answers
    below get them too), then body limit, rate limit and CSRF (cheapest refusal first), then the app.
    ``csrf_exempt`` holds path prefixes (e.g. ``"/hooks/"``) whose POSTs come from other servers.
    """
    auth = config.auth
    # Starlette wraps in reverse order of add_middleware: the last one added sees the request first.
    app.add_middleware(
        CSRFMiddleware,
        session_cookie=session_cookie,
        trusted=trusted_origins(auth.cors_origins, auth.public_url),
        exempt_prefixes=tuple(csrf_exempt),
    )
    app.add_middleware(
        RateLimitMiddleware, api_per_minute=auth.api_requests_per_minute, login_per_minute=login_per_minute, clock=clock
    )
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=auth.max_body_bytes)
    add_cors(app, auth.cors_origins)
    app.add_middleware(SecurityHeadersMiddleware)
