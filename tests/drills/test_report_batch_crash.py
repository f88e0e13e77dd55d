"""Fault drill: `kill -9` of `deskpulse report --all-clients --send` half-way, then the same command again.

The killed batch leaves no half-written report (a run is either done with all its outputs, or not done); the
second batch builds and sends only what is missing, so every client receives its report exactly once; the run
the dead batch was building is marked failed with a sentence once it is clearly abandoned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from alerts_support import smtp_server
from deskpulse.clock import utcnow
from deskpulse.reports.runs import DONE, FAILED, INTERRUPTED, RUNNING, mark_interrupted
from deskpulse.store.db import Database
from deskpulse.store.report_tables import ReportRunRow, ReportSendRow
from drill_support import report_batch_config, wait_until

DESKPULSE = str(Path(sys.executable).parent / "deskpulse")
CLIENTS = ["acme", "globex", "initech", "umbrella", "hooli"]


def write_config(root: Path, smtp_port: int) -> Path:
    return report_batch_config(root, root / "reports.db", smtp_port, CLIENTS)


def sent_runs(db: Database) -> int:
    try:
        with db.session() as session:
            return len(session.scalars(select(ReportSendRow.id).where(ReportSendRow.result == "sent")).all())
    except Exception:  # the batch is still creating the store
        return 0


def test_a_batch_killed_half_way_resumes_and_every_client_gets_its_report_once(tmp_path: Path) -> None:
    with smtp_server() as (smtp, inbox):
        config = write_config(tmp_path, smtp.port)
        command = [DESKPULSE, "report", "--period", "2026-10", "--all-clients", "--send", "--config", str(config)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPULSE_")}
        db = Database(f"sqlite:///{tmp_path / 'reports.db'}")
        first = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: sent_runs(db) >= 1 or first.poll() is not None, 180, "the first report sent")
            assert first.poll() is None, "the batch ended before it could be killed: " + first.stdout.read().decode()  # type: ignore[union-attr]
            os.kill(first.pid, signal.SIGKILL)
        finally:
            first.wait(10)

        with db.session() as session:
            runs = session.scalars(select(ReportRunRow)).all()
            assert 1 <= sum(r.status == DONE for r in runs) < len(CLIENTS)
            for run in runs:
                if run.status == DONE:  # nothing half written: a done run has every output
                    assert run.html and run.eml and run.figures
        received_before = len(inbox.messages)

        second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr

        deadline = time.monotonic() + 10
        while len(inbox.messages) < len(CLIENTS) and time.monotonic() < deadline:
            time.sleep(0.1)
        to = sorted(m["To"] for m in inbox.messages)
        assert to == sorted(f"it@{key}.test" for key in CLIENTS)  # each client once: none lost, none twice
        assert received_before >= 1

        with db.session() as session:
            done = session.scalars(select(ReportRunRow).where(ReportRunRow.status == DONE)).all()
            assert sorted(r.client_key for r in done) == sorted(CLIENTS)
            left = [r.id for r in session.scalars(select(ReportRunRow).where(ReportRunRow.status == RUNNING))]
        # The run the dead batch was building is abandoned: once clearly so, it is failed with a sentence.
        assert mark_interrupted(db, utcnow() + timedelta(minutes=11)) == len(left)
        with db.session() as session:
            for run_id in left:
                run = session.get(ReportRunRow, run_id)
                assert run is not None and run.status == FAILED and run.error == INTERRUPTED
        db.dispose()
