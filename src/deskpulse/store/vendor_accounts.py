"""Vendor customer accounts (Freshservice departments/companies, Autotask companies) and which client claims them.

Written on each directory refresh; read by ``deskpulse clients discover`` so an admin can copy the accounts no
client claims yet into ``[[clients]] accounts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.config import ClientConfig
from deskpulse.connectors.protocol import VendorAccount
from deskpulse.domain.clients import parse_account
from deskpulse.store.report_tables import VendorAccountRow
from deskpulse.store.tables import SourceRow, TicketRow


def store_vendor_accounts(
    session: Session, source_id: int, accounts: Iterable[VendorAccount], *, now: datetime
) -> None:
    """Insert new accounts and rename known ones; accounts the vendor no longer lists are kept (old tickets)."""
    rows = {
        (r.kind, r.external_id): r
        for r in session.scalars(select(VendorAccountRow).where(VendorAccountRow.source_id == source_id))
    }
    for account in accounts:
        row = rows.get((account.kind, account.external_id))
        name = account.name[:300]
        if row is None:
            row = VendorAccountRow(source_id=source_id, kind=account.kind, external_id=account.external_id[:64])
            session.add(row)
            rows[(account.kind, account.external_id)] = row
        row.name = name
        row.refreshed_at = now


@dataclass(frozen=True, slots=True)
class DiscoveredAccount:
    """A vendor account and how many stored tickets are raised for it; ``client`` is who claims it (or None)."""

    source: str
    kind: str
    external_id: str
    name: str
    tickets: int
    client: str | None

    @property
    def reference(self) -> str:
        """The string to put in ``[[clients]] accounts``."""
        return f"{self.source}:{self.kind}:{self.external_id}"


def discover_accounts(session: Session, clients: Sequence[ClientConfig]) -> list[DiscoveredAccount]:
    """Every stored vendor account with its ticket count and claiming client, by source then name."""
    claimed = {parse_account(ref).key: c.id for c in clients for ref in c.accounts}
    counts: dict[tuple[int, str | None], int] = {
        (source_id, ref): n
        for source_id, ref, n in session.execute(
            select(TicketRow.source_id, TicketRow.account_ref, func.count())
            .where(TicketRow.account_ref.is_not(None), TicketRow.deleted_at.is_(None))
            .group_by(TicketRow.source_id, TicketRow.account_ref)
        ).all()
    }
    rows = session.execute(
        select(VendorAccountRow, SourceRow.name)
        .join(SourceRow, SourceRow.id == VendorAccountRow.source_id)
        .order_by(SourceRow.name, VendorAccountRow.name, VendorAccountRow.external_id)
    ).all()
    found = []
    for account, source in rows:
        tickets = counts.get((account.source_id, f"{account.kind}:{account.external_id}"), 0)
        # Freshservice tickets name their account "department:<id>" even when the list came from /companies.
        if account.kind == "company":
            tickets += counts.get((account.source_id, f"department:{account.external_id}"), 0)
        found.append(DiscoveredAccount(
            source=source, kind=account.kind, external_id=account.external_id, name=account.name, tickets=tickets,
            client=claimed.get((source, account.external_id)),
        ))  # fmt: skip
    return found
