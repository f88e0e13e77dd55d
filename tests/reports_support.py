"""Helpers for the report tests: the sample figures document, a stand-in for the figures computation, config."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

from deskpulse.config import ClientConfig, Config, SmtpConfig
from deskpulse.reports.settings import ReportRecipients, ReportsConfig

SAMPLE = Path(__file__).parent / "reports" / "sample_figures.json"


def sample(client: str = "acme", name: str = "Acme", period: dict[str, str] | None = None) -> dict[str, Any]:
    """The sample document of tests/reports/sample_figures.json made out for ``client``: every vendor string
    that names a client carries its key, so a report holding another client's data is easy to spot."""
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    doc["client"] = {"key": client, "name": name, "timezone": "Europe/Amsterdam"}
    if period is not None:
        doc["period"] = period
    for ticket in doc["ticket_list"]:
        ticket["subject"] = f"[{client}] {ticket['subject']}"
    for row in doc["top_requesters"]:
        row["email"] = row["email"].replace("acme", client)
    return doc


class FakeFigures:
    """Stands in for ``reports.figures.compute_report_figures``: the sample made out for the asked client and
    period. ``failing`` clients raise; with ``barrier`` every call waits for the others (concurrent runs)."""

    def __init__(self, failing: tuple[str, ...] = (), barrier: threading.Barrier | None = None) -> None:
        self.failing = set(failing)
        self.barrier = barrier
        self.calls: list[str] = []

    def __call__(self, session: Any, config: Config, client_key: str, period: Any, *, now: Any) -> dict[str, Any]:
        self.calls.append(client_key)
        if self.barrier is not None:
            self.barrier.wait(timeout=30)
        if client_key in self.failing:
            raise RuntimeError(f"the store has no tickets table for {client_key}")
        name = next(c.name for c in config.clients if c.id == client_key)
        return sample(client_key, name, period.as_dict())


def report_config(database_url: str = "sqlite://", *, smtp_port: int | None = None, **reports: Any) -> Config:
    """Clients acme (English) and globex (Dutch) with recipients, and SMTP on ``smtp_port`` when given."""
    clients = [
        ClientConfig(id="acme", name="Acme", email_domains=["acme.test"]),
        ClientConfig(id="globex", name="Globex", email_domains=["globex.test"]),
    ]
    recipients = [
        ReportRecipients(client="acme", to=["it@acme.test"], cc=["boss@acme.test"]),
        ReportRecipients(client="globex", to=["it@globex.test"], language="nl"),
    ]
    smtp = SmtpConfig(host="127.0.0.1", port=smtp_port, security="none") if smtp_port else SmtpConfig()
    values: dict[str, Any] = {"recipients": recipients, "internal_copy": "reports@msp.test",
                              "from_address": "reports@msp.test", "retry_seconds": 1, **reports}  # fmt: skip
    return Config(database_url=database_url, clients=clients, smtp=smtp, reports=ReportsConfig(**values))
