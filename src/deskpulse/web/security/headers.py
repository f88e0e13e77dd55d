"""Browser hardening headers on every response, with a stricter-than-usual CSP the pages are built for."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deskpulse.web.security._asgi import route_path

# The pages load only their own external scripts and styles; Vega runs with ``ast: true`` so needs no eval.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}
HSTS = "max-age=31536000; includeSubDomains"
# Features no deskpulse page uses; anything unlisted keeps the browser default (e.g. fullscreen for TV walls).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# FastAPI's Swagger UI page (and its OAuth2 redirect page) boot with one inline <script>.
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")
# The docs page is ~1.5 kB; anything bigger is not the page we expect, so it is streamed with the strict policy.
_MAX_BUFFERED = 256 * 1024
_INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<code>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


DEFAULT_CSP = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES.items())


def allow_scripts(csp: str, sources: list[str]) -> str:
    """``csp`` with extra ``script-src`` sources (e.g. ``'sha256-…'`` hashes) appended."""
    if not sources:
        return csp
    directives = [d.strip() for d in csp.split(";") if d.strip()]
    for i, directive in enumerate(directives):
        if directive.split()[0].lower() == "script-src":
            directives[i] = " ".join([directive, *sources])
            break
    else:
        # No script-src: scripts fall back to default-src, so start from that.
        default = next((d.split()[1:] for d in directives if d.split()[0].lower() == "default-src"), [])
        directives.append(" ".join(["script-src", *default, *sources]))
    return "; ".join(directives)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions (``'sha256-…'``) for every inline ``<script>`` in ``html``."""
    hashes = []
    for match in _INLINE_SCRIPT.finditer(html):
        if re.search(rb"\bsrc\s*=", match["attrs"], re.IGNORECASE):
            continue
        digest = base64.b64encode(hashlib.sha256(match["code"]).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return hashes


class SecurityHeadersMiddleware:
    """Adds CSP, HSTS (over TLS only) and the usual hardening headers; a header a route set itself wins.

    On the Swagger UI pages (``docs_paths``) the HTML is buffered once so the CSP can allow exactly the inline
    script it contains, by hash, instead of ``'unsafe-inline'``.
    """

    def __init__(self, app: ASGIApp, *, csp: str = DEFAULT_CSP, docs_paths: Iterable[str] = DOCS_PATHS) -> None:
        self.app = app
        self.csp = csp
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # HSTS over plain HTTP is ignored by browsers and would be a lie behind a TLS-less LAN install.
        https = scope.get("scheme") == "https"
        if route_path(scope) in self.docs_paths:
            await self.app(scope, receive, _DocsSend(self, send, https))
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.decorate(message, https, self.csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def decorate(self, start: Message, https: bool, csp: str) -> None:
        """Add the missing headers to an ``http.response.start`` message in place."""
        headers = MutableHeaders(scope=start)
        headers.setdefault("content-security-policy", csp)
        headers.setdefault("x-content-type-options", "nosniff")
        headers.setdefault("referrer-policy", "same-origin")
        headers.setdefault("x-frame-options", "DENY")
        headers.setdefault("permissions-policy", PERMISSIONS_POLICY)
        headers.setdefault("cross-origin-opener-policy", "same-origin")
        if https:
            headers.setdefault("strict-transport-security", HSTS)


class _DocsSend:
    """A ``send`` that holds back an HTML response until its inline scripts can be hashed into the CSP."""

    def __init__(self, owner: SecurityHeadersMiddleware, send: Send, https: bool) -> None:
        self.owner, self.send, self.https = owner, send, https
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if MutableHeaders(scope=message).get("content-type", "").startswith("text/html"):
                self.start = message  # hold it: the CSP depends on the body
                return
            self.owner.decorate(message, self.https, self.owner.csp)
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            self.size += len(self.chunks[-1])
            if message.get("more_body", False) and self.size <= _MAX_BUFFERED:
                return
            await self._flush(final=not message.get("more_body", False))
            return
        await self.send(message)

    async def _flush(self, *, final: bool) -> None:
        assert self.start is not None
        body = b"".join(self.chunks)
        # A partial page is not hashed: its scripts stay blocked rather than half-allowed.
        hashes = inline_script_hashes(body) if final else []
        self.owner.decorate(self.start, self.https, allow_scripts(self.owner.csp, hashes))
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": body, "more_body": not final})
        self.start, self.chunks = None, []
