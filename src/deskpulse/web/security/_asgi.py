"""Small ASGI helpers shared by the security middleware: headers, paths, origins and JSON refusals."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.requests import cookie_parser
from starlette.types import Scope, Send

_DEFAULT_PORTS = {"http": 80, "https": 443}


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header ``name`` (lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def route_path(scope: Scope) -> str:
    """The path the app routes on: without the ``root_path`` prefix a reverse proxy may add."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    # ASGI servers put the full path in "path"; strip the mount prefix so "/api/" rules work behind a proxy prefix.
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def has_cookie(scope: Scope, name: str) -> bool:
    """True when the request carries cookie ``name`` (with any value)."""
    # HTTP/2 clients may split cookies over several headers; join them as HTTP/1.1 would.
    raw = "; ".join(v.decode("latin-1") for k, v in scope["headers"] if k == b"cookie")
    return bool(raw) and name in cookie_parser(raw)


def presented_api_key(scope: Scope) -> str | None:
    """The API key the request presents (``X-API-Key``, else ``Authorization: Bearer``), unchecked, or None."""
    # Same precedence as deskpulse.web.auth, so the rate limit counts the key that authentication will check.
    key = header(scope, b"x-api-key")
    if key and key.strip():
        return key.strip()
    kind, _, token = (header(scope, b"authorization") or "").partition(" ")
    return token.strip() if kind.lower() == "bearer" and token.strip() else None


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased and without a default port; else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal: urlsplit dropped the brackets
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def own_origin(scope: Scope) -> str | None:
    """The origin this request was addressed to: its scheme plus the Host header (or the server address)."""
    host = header(scope, b"host")
    if not host and scope.get("server"):
        server_host, server_port = scope["server"]
        host = f"{server_host}:{server_port}" if server_port else server_host
    return origin_of(f"{scope.get('scheme', 'http')}://{host}") if host else None


async def send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """Answer with ``{"detail": ...}`` JSON, the shape every deskpulse error has."""
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
