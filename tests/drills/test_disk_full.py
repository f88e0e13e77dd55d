"""Fault drill: the disk fills up while `deskpulse report --all-clients --send` writes its reports.

A real, small filesystem (tmpfs) is filled with a ballast file, leaving less room than a report needs: once
under the SQLite store, once under the ``--out`` directory. Each client's failure is a sentence (no traceback),
no report is done or served half-written, no e-mail leaves; once the ballast is deleted, the same command builds
and sends what is missing, so every client receives its complete report exactly once.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from alerts_support import smtp_server
from deskpulse.reports.runs import DONE, FAILED
from deskpulse.store.db import Database
from deskpulse.store.report_tables import ReportRunRow
from drill_support import fill_disk, report_batch_config, small_disk

DESKPULSE = str(Path(sys.executable).parent / "deskpulse")
CLIENTS = ["acme", "globex"]
# Free bytes left on the full disk: room for SQLite's 32 kB index file and a run's row, not for a report's
# outputs (some 300 kB: the e-mail alone, with its PDF and charts, is some 200 kB).
LEAVE = 160 * 1024


def write_config(root: Path, store: Path, smtp_port: int) -> Path:
    return report_batch_config(root, store, smtp_port, CLIENTS)


def report(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [DESKPULSE, "report", "--period", "2026-10", "--all-clients", "--config", str(config), *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPULSE_")}
    return subprocess.run(command, cwd=config.parent, env=env, capture_output=True, text=True, timeout=300)


def runs(store: Path) -> list[ReportRunRow]:
    db = Database(f"sqlite:///{store}")
    try:
        with db.session() as session:
            return list(session.scalars(select(ReportRunRow).order_by(ReportRunRow.id)))
    finally:
        db.dispose()


def pdf_attachment(raw: bytes) -> bytes:
    message = email.message_from_bytes(raw)
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    data = pdf.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


def assert_each_client_got_its_complete_report_once(store: Path, inbox_messages: list[bytes]) -> None:
    received = [email.message_from_bytes(raw)["To"] for raw in inbox_messages]
    assert sorted(received) == sorted(f"it@{key}.test" for key in CLIENTS)  # none lost, none twice
    done = {run.client_key: run for run in runs(store) if run.status == DONE}
    assert sorted(done) == sorted(CLIENTS)
    for raw in inbox_messages:
        attached = pdf_attachment(raw)
        assert attached.startswith(b"%PDF-") and attached.rstrip().endswith(b"%%EOF")
        key = email.message_from_bytes(raw)["To"].split("@")[1].removesuffix(".test")
        assert attached == done[key].pdf


def test_a_full_disk_under_the_store_fails_each_report_with_a_sentence_and_the_retry_sends_each_once(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk") as disk, smtp_server() as (smtp, inbox):
        store = disk / "reports.db"
        config = write_config(tmp_path, store, smtp.port)
        prepared = report(config, "--dry-run")  # creates the store while there is room
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        ballast = fill_disk(disk, LEAVE)

        full = report(config, "--send")
        assert full.returncode == 1, full.stdout + full.stderr
        said = full.stdout + full.stderr
        assert "Traceback" not in said
        for key in CLIENTS:
            assert f"{key}: The disk where the database keeps its files is full" in " ".join(said.split())
        assert inbox.messages == []  # nothing sent

        ballast.unlink()
        before = runs(store)
        assert len(before) == len(CLIENTS)  # each run was started: the disk filled up while it was being saved
        assert not [run for run in before if run.status == DONE]  # nothing half-written passes for a report
        for run in before:
            assert run.status == FAILED and run.html is None and run.pdf is None and run.eml is None
            assert run.error is not None and run.error.startswith("The disk where the database keeps its files is full")

        again = report(config, "--send")
        assert again.returncode == 0, again.stdout + again.stderr
        assert_each_client_got_its_complete_report_once(store, [m.as_bytes() for m in inbox.messages])


def test_a_full_disk_under_the_out_directory_leaves_no_partial_file_and_the_retry_writes_and_sends_once(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk") as disk, smtp_server() as (smtp, inbox):
        store = tmp_path / "reports.db"
        out = disk / "out"
        config = write_config(tmp_path, store, smtp.port)
        ballast = fill_disk(disk, LEAVE)

        full = report(config, "--send", "--out", str(out))
        assert full.returncode == 1, full.stdout + full.stderr
        said = " ".join((full.stdout + full.stderr).split())
        assert "Traceback" not in said
        for key in CLIENTS:
            assert f"{key}: The report files could not be written to {out} (No space left on device)" in said
        assert "nothing half-written was left there" in said
        assert sorted(p.name for p in out.iterdir()) == []  # no truncated file, no temporary left behind
        assert inbox.messages == []  # built, but not sent while its files are missing

        ballast.unlink()
        again = report(config, "--send", "--out", str(out))
        assert again.returncode == 0, again.stdout + again.stderr
        assert_each_client_got_its_complete_report_once(store, [m.as_bytes() for m in inbox.messages])
        done = {run.client_key: run for run in runs(store) if run.status == DONE}
        assert len(runs(store)) == len(CLIENTS)  # the retry built nothing twice
        for key, run in done.items():
            stem = out / f"report-{key}-2026-10"
            assert Path(f"{stem}.html").read_bytes() == run.html
            assert Path(f"{stem}.pdf").read_bytes() == run.pdf
            assert Path(f"{stem}.eml").read_bytes() == run.eml
        assert not [p for p in out.iterdir() if p.name.startswith(".")]
