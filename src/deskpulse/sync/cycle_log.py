"""One log line per ticket sync cycle in the source's bounded log (shown on /status/sources)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from deskpulse.store.source_log import add_line
from deskpulse.sync.engine import CycleResult


def cycle_sentence(result: CycleResult) -> str:
    """What a cycle did, or why it failed, in one line."""
    timing = f"in {result.seconds:.1f} s with {result.requests} calls"
    if not result.ok:
        return f"sync failed {timing}: {result.error}"
    extra = [f"{result.active} active tickets", f"{result.closed_seen} recently closed"]
    if result.directory_refreshed:
        extra.append("teams and agents refreshed")
    return f"synced {timing}: " + ", ".join(extra)


def log_cycle(session: Session, source_id: int, result: CycleResult) -> None:
    """Append the cycle's line (in the caller's transaction)."""
    add_line(session, source_id, result.started_at, cycle_sentence(result), "info" if result.ok else "error")
