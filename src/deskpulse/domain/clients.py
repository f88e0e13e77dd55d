"""Which client a ticket belongs to. Pure: a domain -> client table built once from the config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ClientMatcher:
    """Attributes tickets to clients by the requester's e-mail domain (subdomains count too)."""

    def __init__(self, domains: Mapping[str, Sequence[str]]) -> None:
        """``domains`` maps a client key to its e-mail domains."""
        self._by_domain = {d.lower(): key for key, ds in domains.items() for d in ds}

    def client_for(self, email: str | None) -> str | None:
        """The client key for ``email``, or None when no client claims its domain."""
        if not email or "@" not in email:
            return None
        domain = email.rsplit("@", 1)[1].strip().lower()
        while domain:
            if domain in self._by_domain:
                return self._by_domain[domain]
            if "." not in domain:
                return None
            domain = domain.split(".", 1)[1]
        return None
