"""Scheduled delivery: on ``[reports] schedule`` ("D HH:MM", local time) the previous month's report of every
client is built and sent, once per month however many workers run.

Each worker that finds the moment passed tries to queue the scheduled run of each client with a unique
``schedule_key`` (client, period, "scheduled"); only the insert that wins goes on to build and send it. A
scheduled run that failed to build is taken again (compare-and-set back to queued) every ``RETRY_AFTER`` during
the first ``RETRY_FOR`` of the month, so a vendor or database hiccup on the 2nd does not cost a client its report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update

from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.reports import build
from deskpulse.reports.runs import DONE, FAILED, QUEUED, RunRefused, create_run, execute_run, mark_interrupted
from deskpulse.reports.sending import SendRefused, send_run
from deskpulse.reports.settings import parse_schedule
from deskpulse.store.db import Database
from deskpulse.store.report_tables import ReportRunRow

log = logging.getLogger(__name__)
CHECK_SECONDS = 60.0
RETRY_AFTER = timedelta(hours=1)
RETRY_FOR = timedelta(days=3)
SCHEDULER = "schedule"


def _retake_failed(db: Database, client_key: str, period_key: str, now: datetime) -> int | None:
    """The scheduled run of ``client_key`` for ``period_key`` when it failed at least ``RETRY_AFTER`` ago and the
    period ended less than ``RETRY_FOR`` ago: set back to queued for this caller only (compare-and-set)."""
    with db.session() as session:
        run = (
            session.query(ReportRunRow)
            .filter(ReportRunRow.schedule_key == f"{client_key}|{period_key}|scheduled")
            .one_or_none()
        )
        if run is None or run.status != FAILED or run.generated_at is None:
            return None
        if now - run.generated_at < RETRY_AFTER or now - run.period_end > RETRY_FOR:
            return None
        taken = session.execute(
            update(ReportRunRow)
            .where(ReportRunRow.id == run.id, ReportRunRow.status == FAILED,
                   ReportRunRow.generated_at == run.generated_at)
            .values(status=QUEUED, error=None)
        )  # fmt: skip
        return run.id if getattr(taken, "rowcount", 0) else None


def _take(db: Database, config: Config, client_key: str, period: build.Period, now: datetime) -> int | None:
    """The scheduled run of ``client_key`` for ``period`` this caller takes: a new one, or a failed one due for
    another try; None when another worker has it or it needs nothing. Run in a worker thread (it waits on the
    store)."""
    with db.session() as session:
        run_id = create_run(session, config, client_key, period, now=now, created_by=SCHEDULER, scheduled=True)
    return run_id if run_id is not None else _retake_failed(db, client_key, period.key, now)


def due_period(config: Config, now: datetime) -> build.Period | None:
    """Last month (in the desk's zone) once this month's scheduled moment has passed; None before it, or with
    no schedule."""
    parsed = parse_schedule(config.reports.schedule) if config.reports.schedule else None
    if parsed is None:
        return None
    day, hour, minute = parsed
    local = now.astimezone(config.tz)
    if (local.day, local.hour, local.minute) < (day, hour, minute):
        return None
    return build.previous_month(now, config.tz)


async def run_schedule(db: Database, config: Config, *, clock: Callable[[], datetime] = utcnow) -> list[int]:
    """Queue, build and send the scheduled runs that are due and not yet taken; the ids of the runs this call
    took. Safe to call from any number of workers at once."""
    now = clock()
    await asyncio.to_thread(mark_interrupted, db, now)
    period = due_period(config, now)
    if period is None:
        return []
    taken: list[int] = []
    for client in config.clients:
        zone_period = build.parse_period(period.key, build.client_zone(config, client.id))
        try:
            run_id = await asyncio.to_thread(_take, db, config, client.id, zone_period, now)
        except RunRefused as exc:
            log.warning("scheduled report of %s skipped: %s", client.id, exc)
            continue
        if run_id is None:
            continue  # another worker has it, or it is done, or it failed too recently to try again
        taken.append(run_id)
        status = await asyncio.to_thread(execute_run, db, config, run_id, clock=clock)
        if status != DONE:
            log.warning("scheduled report %s of %s for %s failed", run_id, client.id, period.key)
            continue
        try:
            result = await send_run(db, config, run_id, sent_by=SCHEDULER, clock=clock)
        except SendRefused as exc:
            log.warning("scheduled report %s of %s not sent: %s", run_id, client.id, exc)
            continue
        if result.error:
            log.warning("scheduled report %s of %s not sent: %s", run_id, client.id, result.error)
    return taken


class ReportsWorker:
    """Checks the schedule every minute (run by ``deskpulse worker`` and ``serve`` with the sync)."""

    def __init__(self, db: Database, config: Config, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.config, self.clock = db, config, clock

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set; an error is logged and the next check tries again."""
        if not self.config.reports.schedule:
            return
        while not stop.is_set():
            try:
                await run_schedule(self.db, self.config, clock=self.clock)
            except Exception:
                log.exception("the scheduled reports check failed; trying again in a minute")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=CHECK_SECONDS)
