"""Sending a report: to a real (local) SMTP server, recorded with its Message-ID, retried with backoff."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from deskpulse.reports import build
from deskpulse.reports.runs import create_run, execute_run
from deskpulse.reports.sending import SendRefused, send_run
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.store.report_tables import ReportSendRow
from reports_support import FakeFigures, report_config
from support import RecordingSleep


class Inbox:
    """An aiosmtpd handler keeping every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _built_run(db: Database, config: Any, monkeypatch: pytest.MonkeyPatch, client: str = "acme") -> int:
    monkeypatch.setattr(build, "compute_figures", FakeFigures())
    with db.session() as session:
        sync_clients(session, config.clients)
        period = build.parse_period("2026-10", config.tz)
        run_id = create_run(session, config, client, period, now=period.end, created_by="t")
    assert run_id is not None and execute_run(db, config, run_id) == "done"
    return run_id


def test_a_report_reaches_the_smtp_server_and_the_send_is_recorded(
    db: Database, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    config = report_config(smtp_port=port)
    run_id = _built_run(db, config, monkeypatch)
    result = asyncio.run(send_run(db, config, run_id, sent_by="ann@msp.test"))
    assert result.error is None and result.attempts == 1
    [envelope] = inbox.envelopes
    assert sorted(envelope.rcpt_tos) == ["boss@acme.test", "it@acme.test", "reports@msp.test"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Message-ID"] == result.message_id
    assert "Bcc" not in message and message["To"] == "it@acme.test"
    assert message.get_body(preferencelist=("html",)) is not None
    with db.session() as session:
        [row] = session.query(ReportSendRow).all()
        assert (row.result, row.message_id, row.to, row.cc) == ("sent", result.message_id, ["it@acme.test"],
                                                                 ["boss@acme.test"])  # fmt: skip
        assert row.internal_copy == "reports@msp.test" and row.sent_at is not None


def test_an_unreachable_server_is_retried_with_backoff_and_the_failure_recorded(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = report_config(smtp_port=_free_port(), send_attempts=3, retry_seconds=5)
    run_id = _built_run(db, config, monkeypatch)
    sleep = RecordingSleep()
    result = asyncio.run(send_run(db, config, run_id, sent_by="t", sleep=sleep))
    assert result.attempts == 3 and sleep.waits == [5, 10]
    assert result.error is not None and "failed" in result.error
    with db.session() as session:
        [row] = session.query(ReportSendRow).all()
        assert (row.result, row.attempts, row.message_id) == ("failed", 3, None)


def test_a_report_cannot_be_sent_without_smtp_or_recipients(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    config = report_config()
    run_id = _built_run(db, config, monkeypatch)
    with pytest.raises(SendRefused, match=r"\[smtp\] host"):
        asyncio.run(send_run(db, config, run_id, sent_by="t"))
    no_one = report_config(smtp_port=2525, recipients=[])
    with pytest.raises(SendRefused, match="No recipients are configured for acme"):
        asyncio.run(send_run(db, no_one, run_id, sent_by="t"))


def test_a_send_waiting_for_a_pooled_connection_lets_the_request_holding_it_finish(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[Inbox, int]
) -> None:
    # In `deskpulse serve` the scheduled send shares the event loop with the pages, whose requests hand their
    # connections back through that loop: waiting for one on the loop would freeze the process (the soak test's
    # finding for the sync scheduler, docs/reliability.md#soak-test).

    inbox, port = smtp_server
    one = Database(f"sqlite:///{tmp_path / 'one.db'}", pool_size=1, max_overflow=0, pool_timeout=10)
    upgrade(one.engine)
    config = report_config(smtp_port=port)
    run_id = _built_run(one, config, monkeypatch)
    held, handed_back = threading.Event(), threading.Event()

    def request_holding_the_only_connection() -> None:
        with one.engine.connect():
            held.set()
            handed_back.wait(15)

    async def send_while_a_request_holds_the_connection() -> Any:
        asyncio.get_running_loop().call_later(0.2, handed_back.set)
        return await send_run(one, config, run_id, sent_by="ann@msp.test")

    holder = threading.Thread(target=request_holding_the_only_connection)
    holder.start()
    try:
        assert held.wait(5)
        result = asyncio.run(send_while_a_request_holds_the_connection())
    finally:
        handed_back.set()
        holder.join(15)
        one.dispose()
    assert result.error is None and len(inbox.envelopes) == 1
