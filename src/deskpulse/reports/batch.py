"""The batch behind ``deskpulse report``: one period, several clients, each on its own.

A client whose report for the period is already done is skipped unless forced (so an interrupted batch
resumes where it stopped); one client's failure is recorded and the batch goes on with the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.reports import build
from deskpulse.reports.out_files import OutFilesError, write_report_files
from deskpulse.reports.outputs import build_outputs, file_stem
from deskpulse.reports.runs import DONE, RunRefused, create_run, done_run, execute_run, recipients_of, sender_of
from deskpulse.reports.sending import SENT, SendRefused, send_run
from deskpulse.store.db import Database
from deskpulse.store.outage import store_outage
from deskpulse.store.report_tables import ReportRunRow, ReportSendRow

BUILT, SKIPPED, FAILED, DRY = "built", "skipped", "failed", "dry run"
AGAIN = "Run the command again once it is fixed: what is done already is not built or sent twice."


@dataclass(slots=True)
class BatchItem:
    """The outcome for one client: what happened, the run, and a sentence when something went wrong."""

    client: str
    outcome: str
    run_id: int | None = None
    sent: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """What ``deskpulse report`` was asked to do."""

    period: str
    send: bool = False
    dry_run: bool = False
    force: bool = False
    out: Path | None = None
    created_by: str = "cli"


def _write(out: Path, stem: str, html: bytes, pdf: bytes | None, eml: bytes) -> None:
    write_report_files(out, stem, {"html": html, "pdf": pdf, "eml": eml})


def _write_run(db: Database, run_id: int, out: Path, stem: str) -> None:
    """The stored outputs of done run ``run_id`` into ``out`` (``OutFilesError`` when they cannot be written)."""
    with db.session() as session:
        run = session.get(ReportRunRow, run_id)
        assert run is not None and run.html is not None and run.eml is not None
        html, pdf, eml = run.html, run.pdf, run.eml
    _write(out, stem, html, pdf, eml)


def _dry(db: Database, config: Config, client: str, opts: BatchOptions, now: datetime) -> BatchItem:
    """Build in memory only: nothing stored, nothing sent."""
    period = build.parse_period(opts.period, build.client_zone(config, client))
    with db.session() as session:
        doc = build.compute_figures(session, config, client, period, now=now)
    rec = recipients_of(config, client)
    out = build_outputs(doc, config.reports, config.reports.language_of(client), sender=sender_of(config),
                        to=rec.to, cc=rec.cc)  # fmt: skip
    if opts.out is not None:
        _write(opts.out, file_stem(doc), out.html, out.pdf, out.eml)
    who = ", ".join(rec.to + rec.cc) or "nobody (no recipients configured)"
    return BatchItem(client, DRY, sent=f"would go to {who}" if opts.send else None)


def _was_sent(db: Database, run_id: int) -> bool:
    with db.session() as session:
        found = session.scalar(
            select(ReportSendRow.id).where(ReportSendRow.run_id == run_id, ReportSendRow.result == SENT).limit(1)
        )
    return found is not None


async def _send(
    db: Database, config: Config, run_id: int, opts: BatchOptions, item: BatchItem, clock: Callable[[], datetime]
) -> None:
    result = await send_run(db, config, run_id, sent_by=opts.created_by, clock=clock)
    if result.error is None:
        item.sent = f"sent, {result.message_id}"
    else:
        item.outcome, item.error = FAILED, f"built, but not sent: {result.error}"


async def run_client(
    db: Database, config: Config, client: str, opts: BatchOptions, *, clock: Callable[[], datetime] = utcnow
) -> BatchItem:
    """Build (and send) one client's report; never raises for that client's own failure."""
    try:
        if opts.dry_run:
            return await asyncio.to_thread(_dry, db, config, client, opts, clock())
        period = build.parse_period(opts.period, build.client_zone(config, client))
        with db.session() as session:
            existing = None if opts.force else done_run(session, client, period.key)
            run_id = existing.id if existing else create_run(session, config, client, period, now=clock(),
                                                             created_by=opts.created_by)  # fmt: skip
        if existing is not None:
            item = BatchItem(client, SKIPPED, run_id)
            if opts.out is not None:  # e.g. the disk was full the first time: the files come from the store
                await asyncio.to_thread(_write_run, db, existing.id, opts.out, f"report-{client}-{period.key}")
            if opts.send and not _was_sent(db, existing.id):
                # Built by an earlier, interrupted batch but never delivered: deliver it now.
                await _send(db, config, existing.id, opts, item, clock)
            return item
        assert run_id is not None
        status = await asyncio.to_thread(execute_run, db, config, run_id, clock=clock)
        with db.session() as session:
            run = session.get(ReportRunRow, run_id)
            assert run is not None
            error = run.error
        if status != DONE:
            return BatchItem(client, FAILED, run_id, error=error)
        if opts.out is not None:
            try:
                await asyncio.to_thread(_write_run, db, run_id, opts.out, f"report-{client}-{period.key}")
            except OutFilesError as exc:  # built and stored, not sent: the next run writes the files, then sends
                return BatchItem(client, FAILED, run_id, error=f"{exc} {AGAIN}")
        item = BatchItem(client, BUILT, run_id)
        if opts.send:
            await _send(db, config, run_id, opts, item, clock)
        return item
    except (build.PeriodError, RunRefused, SendRefused, build.FiguresUnavailable, OutFilesError) as exc:
        return BatchItem(client, FAILED, error=str(exc))
    except Exception as exc:  # one client's surprise must not stop the others
        if (outage := store_outage(exc)) is not None:
            return BatchItem(client, FAILED, error=f"{outage}: the report was not saved. {AGAIN}")
        return BatchItem(client, FAILED, error=f"{type(exc).__name__}: {exc}")
