"""Paginators for Freshservice list endpoints (the ``Paginator`` protocol of base.py).

``LinkHeaderPaginator`` is vendor-neutral (RFC 8288 ``Link: <url>; rel="next"``) and can move to base.py.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from deskpulse.connectors.base import ConnectorError, Page

_LINK = re.compile(r"<([^>]*)>\s*((?:;[^,<]*)*)")
_REL = re.compile(r""";\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


def next_link(header: str | None) -> str | None:
    """The target of the ``rel="next"`` entry of a ``Link`` header, or None."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        target, params = match.group(1).strip(), match.group(2)
        for rel in _REL.finditer(params):
            rels = (rel.group(1) or rel.group(2) or "").lower().split()
            if "next" in rels and target:
                return target
    return None


def envelope_items(body: Any, key: str) -> list[dict[str, Any]]:
    """The objects under ``body[key]``; raises ConnectorError when the envelope is not there."""
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ConnectorError(f"unexpected Freshservice list response: no {key!r} array")
    return [item for item in body[key] if isinstance(item, dict)]


class LinkHeaderPaginator:
    """``{"<key>": [...]}`` pages; follow the ``Link`` header's ``rel="next"`` until it is absent.

    An empty page also stops the walk, so a server that always sends a Link header cannot loop us forever.
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def items(self, body: Any) -> list[dict[str, Any]]:
        return envelope_items(body, self.key)

    def next_url(self, page: Page) -> str | None:
        if not page.items:
            return None
        target = next_link(page.headers.get("link"))
        return urljoin(page.url, target) if target else None


def page_number(url: str) -> int:
    """The ``page`` query parameter of ``url`` (1 when absent or unreadable)."""
    for name, value in parse_qsl(urlsplit(url).query):
        if name == "page" and value.isdigit():
            return int(value)
    return 1


def with_page(url: str, number: int) -> str:
    """``url`` with its ``page`` query parameter set to ``number`` (other parameters kept in order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query.append(("page", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))


class TotalCountPaginator:
    """``/tickets/filter``: ``{"tickets": [...], "total": N}`` paged by ``page=``, capped at ``max_pages``.

    Stops after a short page, once ``total`` rows are covered, or at the page cap (callers that need more
    than ``per_page * max_pages`` rows must narrow the query; see active_set.py).
    """

    def __init__(self, key: str, *, per_page: int, max_pages: int) -> None:
        self.key = key
        self.per_page = per_page
        self.max_pages = max_pages

    def items(self, body: Any) -> list[dict[str, Any]]:
        return envelope_items(body, self.key)

    def next_url(self, page: Page) -> str | None:
        number = page_number(page.url)
        if len(page.items) < self.per_page or number >= self.max_pages:
            return None
        total = page.body.get("total") if isinstance(page.body, dict) else None
        if isinstance(total, int) and number * self.per_page >= total:
            return None
        return with_page(page.url, number + 1)
