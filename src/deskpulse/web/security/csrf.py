"""CSRF protection for cookie sessions, from the browser's own provenance headers (no tokens in forms)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from deskpulse.web.security._asgi import (
    has_cookie,
    header,
    origin_of,
    own_origin,
    presented_api_key,
    route_path,
    send_json,
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values that prove the request did not come from another site ("none": typed URL, bookmark).
SAME_SITE_VALUES = frozenset({"same-origin", "none"})


def trusted_origins(cors_origins: Iterable[str], public_url: str | None) -> frozenset[str]:
    """The normalised origins allowed to post besides the request's own: CORS origins and ``public_url``'s."""
    # "*" may open CORS for key-authenticated reads, but must never vouch for a cookie-carrying write.
    candidates = [o for o in cors_origins if o.strip() != "*"]
    if public_url:
        candidates.append(public_url)
    return frozenset(o for o in map(origin_of, candidates) if o)


class CSRFMiddleware:
    """Refuses cross-site unsafe requests that would ride on the session cookie.

    Checked: POST/PUT/PATCH/DELETE carrying ``session_cookie`` and no API key (browsers never attach API keys by
    themselves, and a cross-site page cannot add such headers without a CORS preflight). Also checked with or
    without the cookie: ``always_check`` paths (the login form, so another site cannot sign a victim into the
    attacker's account). A request passes when ``Sec-Fetch-Site`` is ``same-origin``/``none``; when the browser
    is too old to send it, when ``Origin`` (else ``Referer``) is this site's origin or a trusted one. A trusted
    origin also passes with ``Sec-Fetch-Site: same-site``/``cross-site``. Paths under ``exempt_prefixes``
    (webhook receivers) are never checked.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        session_cookie: str = "deskpulse_session",
        trusted: Iterable[str] = (),
        exempt_prefixes: Iterable[str] = (),
        always_check: Iterable[str] = ("/login",),
    ) -> None:
        self.app = app
        self.session_cookie = session_cookie
        self.trusted = frozenset(o for o in map(origin_of, trusted) if o)
        self.exempt_prefixes = tuple(exempt_prefixes)
        self.always_check = frozenset(always_check)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._applies(scope):
            reason = self.refusal(scope)
            if reason is not None:
                await send_json(send, 403, f"Cross-site request refused (CSRF protection): {reason}")
                return
        await self.app(scope, receive, send)

    def _applies(self, scope: Scope) -> bool:
        if scope["method"] not in UNSAFE_METHODS:
            return False
        path = route_path(scope)
        if path.startswith(self.exempt_prefixes):
            return False
        if path in self.always_check:
            return True
        return has_cookie(scope, self.session_cookie) and presented_api_key(scope) is None

    def refusal(self, scope: Scope) -> str | None:
        """Why this unsafe request must be refused, as a sentence; None when it may proceed."""
        site = header(scope, b"sec-fetch-site")
        if site is not None and site.lower() in SAME_SITE_VALUES:
            return None
        claimed, source = self._claimed_origin(scope)
        if claimed is not None and claimed in self.trusted:
            return None
        if site is not None:
            # The browser itself says another site sent this; only a configured partner origin may.
            return f"the browser reported Sec-Fetch-Site: {site[:40]} and the origin is not a trusted one."
        if claimed is None:
            return (
                "the request carried no usable Sec-Fetch-Site, Origin or Referer header to show it came from this site."
            )
        own = own_origin(scope)
        if claimed == own:
            return None
        return f"its {source} {claimed[:100]} is neither this site ({own}) nor a configured trusted origin."

    @staticmethod
    def _claimed_origin(scope: Scope) -> tuple[str | None, str]:
        # "Origin: null" (sandboxed frames, some redirects) proves nothing, so fall through to Referer.
        origin = header(scope, b"origin")
        if origin and origin.strip().lower() != "null":
            return origin_of(origin), "Origin"
        referer = header(scope, b"referer")
        return (origin_of(referer), "Referer") if referer else (None, "Origin")
