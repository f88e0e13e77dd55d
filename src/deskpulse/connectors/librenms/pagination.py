"""Offset paging of the LibreNMS log endpoints (``start`` / ``limit``), as a base.Paginator strategy."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from deskpulse.connectors.base import ConnectorError, Page
from deskpulse.connectors.librenms.models import to_int


def envelope_rows(body: Any, key: str) -> list[dict[str, Any]]:
    """The ``key`` array of a v0 success envelope; ConnectorError for an error envelope or a missing array."""
    if not isinstance(body, dict):
        raise ConnectorError(f"LibreNMS sent an unexpected answer (no '{key}' array)")
    if body.get("status") == "error":
        raise ConnectorError(f"LibreNMS refused the request: {body.get('message') or 'no details given'}")
    value = body.get(key)
    if not isinstance(value, list):
        raise ConnectorError(f"LibreNMS sent an unexpected answer (no '{key}' array)")
    rows: list[dict[str, Any]] = []
    for item in value:
        # /services wraps its rows in one more array "for backwards compat" [S]; accept both shapes.
        if isinstance(item, list):
            rows.extend(row for row in item if isinstance(row, dict))
        elif isinstance(item, dict):
            rows.append(item)
    return rows


class OffsetPaginator:
    """``start`` is an offset (not a page number [S]); the next page starts after the rows received.

    Stops at an empty page, when ``total`` says everything was read, or (without a usable ``total``) at a page
    shorter than ``limit``.
    """

    def __init__(self, key: str, limit: int) -> None:
        self.key = key
        self.limit = limit

    def items(self, body: Any) -> list[dict[str, Any]]:
        """The page's rows."""
        return envelope_rows(body, self.key)

    def next_url(self, page: Page) -> str | None:
        """The same URL with ``start`` moved past this page's rows, or None when the list is exhausted."""
        count = len(page.items)
        if count == 0:
            return None
        parts = urlsplit(page.url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        start = to_int(dict(query).get("start")) or 0
        try:
            total = to_int(page.body.get("total")) if isinstance(page.body, dict) else None
        except ValueError:
            total = None
        if (start + count >= total) if total is not None else (count < self.limit):
            return None
        query = [(k, v) for k, v in query if k != "start"] + [("start", str(start + count))]
        return urlunsplit(parts._replace(query=urlencode(query)))
