"""The seam between report runs and the figures they render: the period, the client's zone and the figures.

Everything the runs need from the figures side goes through these few functions, so a different figures
implementation (or a test's fixed document) is swapped in one place.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from deskpulse.config import Config
from deskpulse.reports.figures import client_zone as figures_zone
from deskpulse.reports.figures import compute_report_figures
from deskpulse.reports.period import Period, PeriodError, parse_period, previous_month
from deskpulse.store.db import Database
from deskpulse.sync.report_details import incomplete_note, pull_client_details

__all__ = [
    "Period", "PeriodError", "client_zone", "compute_figures", "parse_period", "previous_month", "pull_details",
]  # fmt: skip
log = logging.getLogger(__name__)


class FiguresUnavailable(RuntimeError):
    """The figures cannot be computed by this build; the message says why."""


def client_zone(config: Config, client_key: str) -> ZoneInfo:
    """The time zone a client's periods are counted in: the figures' own rule (the client's or its SLA
    policy's zone, else the desk's)."""
    return figures_zone(config, client_key)


def pull_details(db: Database, config: Config, client_key: str, period: Period, *, now: datetime) -> str | None:
    """Fetch the vendor details the figures need and the store lacks (within ``details_max_requests`` per
    source); a sentence for the run when some could not be fetched, else None. Never raises: a report is
    built from what the store holds either way."""
    budget = config.reports.details_max_requests
    if budget == 0:
        return None
    try:
        pulls = asyncio.run(
            pull_client_details(db, config, client_key, period.start, period.end, now, max_requests=budget)
        )
    except Exception as exc:  # a vendor outage must not stop the report
        log.warning("report details for %s %s not fetched: %s", client_key, period.key, type(exc).__name__)
        return f"details incomplete: fetching them failed ({type(exc).__name__})"
    return incomplete_note(pulls)


def compute_figures(
    session: Session, config: Config, client_key: str, period: Period, *, now: datetime
) -> dict[str, Any]:
    """The figures document of ``client_key`` for ``period`` (the contract in docs/reports.md)."""
    try:
        figures: dict[str, Any] = compute_report_figures(session, config, client_key, period, now=now)
    except ValueError as exc:  # ReportFiguresError and bad periods: a sentence for the user
        raise FiguresUnavailable(f"The figures of {client_key} for {period.key} could not be computed: {exc}") from exc
    return figures
