"""The audit log: sign-ins, user and key changes, write-backs, report sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from deskpulse.store.auth_tables import AuditRow


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str | None = None,
    ip: str | None = None,
    result: str = "ok",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry (in the caller's transaction, so it commits with the change it describes)."""
    session.add(AuditRow(at=at, actor=actor, action=action, target=target, ip=ip, result=result, detail=detail))
