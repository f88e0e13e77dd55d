"""Which client a ticket belongs to. Pure: lookup tables built once from the config.

A ticket is attributed by the vendor account it is raised for when a client claims that account
(``accounts = ["autotask-x:company:29683"]``), else by the requester's e-mail domain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Freshservice calls its customer accounts departments ("Departments/Companies" in the MSP product) and Autotask
# calls them companies: both kinds name the same thing, so either may be written for either vendor.
ACCOUNT_KINDS: frozenset[str] = frozenset({"company", "department"})
_ACCOUNT = re.compile(r"^(?P<source>[^:\s]+):(?P<kind>[a-z]+):(?P<id>[^:\s]{1,64})$")


@dataclass(frozen=True, slots=True)
class AccountRef:
    """One vendor account: the source's name, the kind of account and the vendor's id for it."""

    source: str
    kind: str
    external_id: str

    @property
    def key(self) -> tuple[str, str]:
        """What two references to the same account share: (source, id); the kind is only for readers."""
        return (self.source, self.external_id)

    def __str__(self) -> str:
        return f"{self.source}:{self.kind}:{self.external_id}"


def parse_account(text: str) -> AccountRef:
    """``"<source>:<kind>:<id>"`` -> AccountRef; raises ValueError with a sentence when it is not one."""
    match = _ACCOUNT.match(text.strip())
    if match is None:
        raise ValueError(f"account {text!r} is not of the form <source>:<kind>:<id>, e.g. autotask-x:company:29683")
    kind = match["kind"]
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"account {text!r} has kind {kind!r}; use one of {', '.join(sorted(ACCOUNT_KINDS))}")
    return AccountRef(match["source"], kind, match["id"])


def ticket_account_id(account_ref: str | None) -> str | None:
    """The vendor id in a ticket's ``account_ref`` (``"department:12"`` -> ``"12"``), or None."""
    if not account_ref or ":" not in account_ref:
        return None
    return account_ref.split(":", 1)[1] or None


class ClientMatcher:
    """Attributes tickets to clients by vendor account, else by the requester's e-mail domain (subdomains too)."""

    def __init__(
        self, domains: Mapping[str, Sequence[str]], accounts: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """``domains`` maps a client key to its e-mail domains; ``accounts`` to its vendor account references."""
        self._by_domain = {d.lower(): key for key, ds in domains.items() for d in ds}
        self._by_account = {parse_account(a).key: key for key, refs in (accounts or {}).items() for a in refs}

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

    def client_for_account(self, source: str, account_ref: str | None) -> str | None:
        """The client key that claims the ticket's vendor account on ``source``, or None."""
        account_id = ticket_account_id(account_ref)
        return self._by_account.get((source, account_id)) if account_id is not None else None

    def client_for_ticket(self, source: str, account_ref: str | None, email: str | None) -> str | None:
        """The vendor account's client when one claims it, else the requester e-mail domain's client."""
        return self.client_for_account(source, account_ref) or self.client_for(email)


def account_problems(accounts: Mapping[str, Sequence[str]], sources: Sequence[str]) -> list[str]:
    """Sentences about account references that are malformed, name no source, or are claimed by two clients."""
    problems: list[str] = []
    owner: dict[tuple[str, str], str] = {}
    for client, refs in accounts.items():
        for text in refs:
            try:
                ref = parse_account(text)
            except ValueError as exc:
                problems.append(f"clients.{client}: {exc}")
                continue
            if ref.source not in sources:
                problems.append(
                    f"clients.{client}: account {text!r} names source {ref.source!r}, which is not configured"
                )
            other = owner.setdefault(ref.key, client)
            if other != client:
                problems.append(f"account {text!r} is claimed by both {other!r} and {client!r}")
    return problems
