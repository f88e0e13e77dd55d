"""Report runs in the store: create one (queued), build it (running -> done | failed), find and list them.

A run is built from its own client and period only: the figures are computed for the run's client key and
checked against it before anything is rendered, and downloads always serve the run's stored bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.alerts.outbox import insert_ignore
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.reports import build
from deskpulse.reports.outputs import ReportOutputs, build_outputs
from deskpulse.reports.render import BrandingError
from deskpulse.store.db import Database
from deskpulse.store.outage import store_outage
from deskpulse.store.report_tables import ReportRunRow
from deskpulse.store.tables import ClientRow

log = logging.getLogger(__name__)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
# A report builds in seconds: one still queued or running after this long lost its process (kill -9, restart).
INTERRUPTED_AFTER = timedelta(minutes=10)
INTERRUPTED = "Interrupted: the process building this report stopped before it finished. Build it again."
SAVE_AGAIN = "Build it again once that is fixed."


class RunRefused(ValueError):
    """A run cannot be created as asked; the message is a sentence for the user."""


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who a client's report goes to; ``bcc`` is the internal copy."""

    to: list[str]
    cc: list[str]
    bcc: str | None


def recipients_of(config: Config, client_key: str) -> Recipients:
    """The configured recipients of ``client_key``'s report."""
    entry = config.reports.recipients_of(client_key)
    return Recipients(list(entry.to), list(entry.cc), config.reports.internal_copy or None)


def sender_of(config: Config) -> str:
    """The From address of reports: ``[reports] from_address`` or else ``[smtp] from_address``."""
    return config.reports.from_address or config.smtp.from_address


def client_row(session: Session, client_key: str) -> ClientRow:
    """The stored client called ``client_key``; ``RunRefused`` when there is none."""
    row = session.scalar(select(ClientRow).where(ClientRow.key == client_key))
    if row is None:
        raise RunRefused(f"There is no client {client_key!r}.")
    return row


def create_run(
    session: Session, config: Config, client_key: str, period: build.Period, *, now: datetime,
    created_by: str | None, scheduled: bool = False,
) -> int | None:  # fmt: skip
    """Queue a run of ``client_key`` for ``period``; its id. With ``scheduled`` None when another process
    already queued the scheduled run of that client and period (the unique ``schedule_key``)."""
    client = client_row(session, client_key)
    values: dict[str, Any] = {
        "client_id": client.id, "client_key": client.key, "period_key": period.key, "period_start": period.start,
        "period_end": period.end, "language": config.reports.language_of(client_key), "status": QUEUED,
        "created_at": now, "created_by": created_by,
        "schedule_key": f"{client.key}|{period.key}|scheduled" if scheduled else None,
    }  # fmt: skip
    if scheduled:
        return insert_ignore(session, ReportRunRow, values, "schedule_key")
    row = ReportRunRow(**values)
    session.add(row)
    session.flush()
    return row.id


def _claim(db: Database, run_id: int, now: datetime) -> bool:
    """Compare-and-set queued -> running: exactly one caller builds a run."""
    with db.session() as session:
        done = session.execute(
            update(ReportRunRow)
            .where(ReportRunRow.id == run_id, ReportRunRow.status == QUEUED)
            .values(status=RUNNING, started_at=now)
        )
        return bool(getattr(done, "rowcount", 0))


def mark_interrupted(db: Database, now: datetime, older_than: timedelta = INTERRUPTED_AFTER) -> int:
    """Runs left queued or running by a process that died are failed with a sentence; how many there were."""
    cutoff = now - older_than
    stuck = (ReportRunRow.status == RUNNING) & (func.coalesce(ReportRunRow.started_at, ReportRunRow.created_at)
                                                 < cutoff)  # fmt: skip
    lost = (ReportRunRow.status == QUEUED) & (ReportRunRow.created_at < cutoff)
    with db.session() as session:
        done = session.execute(
            update(ReportRunRow).where(stuck | lost).values(status=FAILED, error=INTERRUPTED, generated_at=now)
        )
        count = int(getattr(done, "rowcount", 0) or 0)
    if count:
        log.warning("%d report run(s) were interrupted and are marked failed", count)
    return count


def _check_document(doc: dict[str, Any], client_key: str, period_key: str) -> None:
    got_client = (doc.get("client") or {}).get("key")
    got_period = (doc.get("period") or {}).get("key")
    if got_client != client_key or got_period != period_key:
        # Never render one client's figures under another's name.
        raise RuntimeError(
            f"The figures returned were for {got_client!r} {got_period!r}, not {client_key!r} {period_key!r}."
        )


def execute_run(db: Database, config: Config, run_id: int, *, clock: Callable[[], datetime] = utcnow) -> str:
    """Build queued run ``run_id``: figures, then HTML, PDF and e-mail; its final status (``done``/``failed``).

    A run already claimed by someone else is left alone (its current status is returned). Never raises for a
    failure of the run itself: the reason is stored on the run as a sentence."""
    if not _claim(db, run_id, clock()):
        with db.session() as session:
            return str(session.get(ReportRunRow, run_id).status)  # type: ignore[union-attr]
    details: str | None = None
    try:
        with db.session() as session:
            run = session.get(ReportRunRow, run_id)
            assert run is not None
            client_key, period_key, language = run.client_key, run.period_key, run.language
        period = build.parse_period(period_key, build.client_zone(config, client_key))
        details = build.pull_details(db, config, client_key, period, now=clock())
        with db.session() as session:
            doc = build.compute_figures(session, config, client_key, period, now=clock())
        _check_document(doc, client_key, period_key)
        rec = recipients_of(config, client_key)
        outputs = build_outputs(doc, config.reports, language, sender=sender_of(config), to=rec.to, cc=rec.cc)
    except (build.PeriodError, build.FiguresUnavailable, BrandingError, RunRefused) as exc:
        return _finish_failed(db, run_id, str(exc), clock())
    except Exception as exc:  # the run records it; the process goes on with the next run
        log.exception("report run %s failed", run_id)
        return _finish_failed(db, run_id, f"Building the report failed: {type(exc).__name__}: {exc}", clock())
    try:
        return _finish_done(db, run_id, doc, outputs, clock(), details)
    except Exception as exc:
        if (outage := store_outage(exc)) is None:
            raise
        # Nothing of the outputs was stored (one transaction); a small write may still fit to say why.
        log.warning("report run %s could not be saved: %s", run_id, outage)
        return _finish_failed(db, run_id, f"{outage}: the report could not be saved. {SAVE_AGAIN}", clock())


def _finish_done(
    db: Database, run_id: int, doc: dict[str, Any], out: ReportOutputs, now: datetime, details: str | None = None
) -> str:
    notes = [s.get("note") for s in doc.get("sources") or [] if s.get("note")]
    if details:
        notes.append(details)
    with db.session() as session:
        run = session.get(ReportRunRow, run_id)
        assert run is not None
        run.figures, run.html, run.pdf, run.eml = doc, out.html, out.pdf, out.eml
        run.status, run.generated_at, run.error = DONE, now, None
        run.details_note = " ".join([*out.notes, *(str(n) for n in notes)]) or None
    return DONE


def _finish_failed(db: Database, run_id: int, error: str, now: datetime) -> str:
    with db.session() as session:
        run = session.get(ReportRunRow, run_id)
        assert run is not None
        run.status, run.error, run.generated_at = FAILED, error, now
    return FAILED


def visible_run(session: Session, run_id: int, client_ids: frozenset[int] | None) -> ReportRunRow | None:
    """Run ``run_id`` when it exists and belongs to one of ``client_ids`` (None: any client)."""
    run = session.get(ReportRunRow, run_id)
    if run is None or (client_ids is not None and run.client_id not in client_ids):
        return None
    return run


def done_run(session: Session, client_key: str, period_key: str) -> ReportRunRow | None:
    """The newest finished run of ``client_key`` for ``period_key``, if any."""
    return session.scalar(
        select(ReportRunRow)
        .where(ReportRunRow.client_key == client_key, ReportRunRow.period_key == period_key,
               ReportRunRow.status == DONE)
        .order_by(ReportRunRow.id.desc())
        .limit(1)
    )  # fmt: skip


def list_runs(
    session: Session, client_ids: frozenset[int] | None, *, client_key: str | None = None,
    period_key: str | None = None, status: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[ReportRunRow], int]:  # fmt: skip
    """Runs newest first within ``client_ids`` and the filters, and how many there are in all (outputs and
    figures not loaded)."""
    where: list[ColumnElement[bool]] = []
    if client_ids is not None:
        where.append(ReportRunRow.client_id.in_(client_ids or {-1}))
    if client_key:
        where.append(ReportRunRow.client_key == client_key)
    if period_key:
        where.append(ReportRunRow.period_key == period_key)
    if status:
        where.append(ReportRunRow.status == status)
    total = session.scalar(select(func.count()).select_from(ReportRunRow).where(*where)) or 0
    # The outputs and figures stay in the database: a list needs none of them.
    heavy = (ReportRunRow.html, ReportRunRow.pdf, ReportRunRow.eml, ReportRunRow.figures)
    rows = session.scalars(
        select(ReportRunRow).options(*(defer(c) for c in heavy)).where(*where)
        .order_by(ReportRunRow.id.desc()).limit(limit).offset(offset)
    )  # fmt: skip
    return list(rows), int(total)


def run_json(run: ReportRunRow, *, figures: bool = False) -> dict[str, Any]:
    """A run as the API shows it (figures only when asked: they can be large)."""
    body: dict[str, Any] = {
        "id": run.id, "client": run.client_key, "period": run.period_key, "status": run.status,
        "language": run.language, "periodStart": run.period_start.isoformat(), "periodEnd": run.period_end.isoformat(),
        "createdAt": run.created_at.isoformat(), "createdBy": run.created_by, "scheduled": run.schedule_key is not None,
        "generatedAt": run.generated_at.isoformat() if run.generated_at else None, "error": run.error,
        "note": run.details_note,
    }  # fmt: skip
    if figures:
        body["outputs"] = {"html": run.html is not None, "pdf": run.pdf is not None, "eml": run.eml is not None}
        body["figures"] = run.figures
    return body
