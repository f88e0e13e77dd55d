"""The ``Allow`` header of a 405: every method the requested path supports, not only the first route's.

Starlette answers 405 from the first route whose path matches, naming that route's methods only; a path served
by two routes (``GET`` and ``POST /api/users``) then claimed to allow ``GET`` alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI


def _routes(app: FastAPI) -> Iterator[Any]:
    """Every route, including those inside included routers (FastAPI keeps those as route contexts)."""
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        else:
            yield route


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods of every route matching ``path``, sorted. A path that a literal route spells out (``/bulk``)
    is that route's resource: the methods of routes that only match through a parameter (``/{ticket_id}``)
    are left out then, as the OpenAPI document describes the literal path alone."""
    literal: set[str] = set()
    templated: set[str] = set()
    for route in _routes(app):
        regex, methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is None or not methods or not regex.match(path):
            continue
        (templated if getattr(route, "param_convertors", None) else literal).update(methods)
    return sorted(literal or templated)
