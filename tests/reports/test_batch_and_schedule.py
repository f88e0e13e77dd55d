"""``deskpulse report`` batches (one failure does not stop the others, resumable) and the monthly schedule
(runs once however many workers reach it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskpulse.cli import app
from deskpulse.reports import build
from deskpulse.reports.schedule import due_period, run_schedule
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.report_tables import ReportRunRow
from reports_support import FakeFigures, report_config

CONFIG = """
database_url = "sqlite:///{db}"
[[clients]]
id = "acme"
name = "Acme"
[[clients]]
id = "globex"
name = "Globex"
[[clients]]
id = "initech"
name = "Initech"
[reports]
[[reports.recipients]]
client = "acme"
to = ["it@acme.test"]
"""


def _config_file(tmp_path: Path) -> Path:
    path = tmp_path / "deskpulse.toml"
    path.write_text(CONFIG.format(db=tmp_path / "store.db"), encoding="utf-8")
    return path


def _runs(tmp_path: Path) -> list[tuple[str, str]]:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    with db.session() as session:
        found = [(r.client_key, r.status) for r in session.query(ReportRunRow).order_by(ReportRunRow.id)]
    db.dispose()
    return found


def test_one_failing_client_is_reported_the_others_are_built_and_a_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    fake = FakeFigures(failing=("globex",))
    monkeypatch.setattr(build, "compute_figures", fake)
    config, out = _config_file(tmp_path), tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["report", "--config", str(config), "--period", "2026-10", "--all-clients",
                                "--out", str(out)])  # fmt: skip
    assert first.exit_code == 1, first.output
    assert "globex: Building the report failed: RuntimeError: the store has no tickets table for globex" in (
        " ".join(first.output.split())
    )
    assert _runs(tmp_path) == [("acme", "done"), ("globex", "failed"), ("initech", "done")]
    assert sorted(p.name for p in out.iterdir()) == [
        "report-acme-2026-10.eml", "report-acme-2026-10.html", "report-acme-2026-10.pdf",
        "report-initech-2026-10.eml", "report-initech-2026-10.html", "report-initech-2026-10.pdf",
    ]  # fmt: skip
    # The second run builds only what is not done yet; globex works now.
    fake.failing.clear()
    fake.calls.clear()
    second = runner.invoke(app, ["report", "--config", str(config), "--period", "2026-10", "--all-clients"])
    assert second.exit_code == 0, second.output
    assert fake.calls == ["globex"]
    assert "skipped" in second.output
    forced = runner.invoke(app, ["report", "--config", str(config), "--period", "2026-10", "--client", "acme",
                                 "--force"])  # fmt: skip
    assert forced.exit_code == 0 and fake.calls == ["globex", "acme"]


def test_a_dry_run_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    monkeypatch.setattr(build, "compute_figures", FakeFigures())
    result = CliRunner().invoke(app, ["report", "--config", str(_config_file(tmp_path)), "--period", "2026-10",
                                      "--client", "acme", "--dry-run", "--send"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "would go to it@acme.test" in result.output
    assert _runs(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--period", "2026-10"], "Give either --client KEY or --all-clients"),
        (["--period", "2026-10", "--client", "nobody"], "No client 'nobody'"),
        (["--period", "2026-10", "--client", "acme", "--all-clients"], "Give either"),
    ],
)
def test_bad_batch_requests_exit_2_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["report", "--config", str(_config_file(tmp_path)), *args])
    assert result.exit_code == 2 and says in result.output


def test_a_bad_period_fails_each_client_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["report", "--config", str(_config_file(tmp_path)), "--period", "2026-13",
                                      "--client", "acme"])  # fmt: skip
    assert result.exit_code == 1 and "13 is not a month number" in result.output


def test_the_schedule_is_due_from_its_local_moment_for_last_month() -> None:
    config = report_config(schedule="2 08:00")
    assert due_period(config, datetime(2026, 11, 2, 6, 59, tzinfo=UTC)) is None  # 07:59 in Amsterdam
    due = due_period(config, datetime(2026, 11, 2, 7, 0, tzinfo=UTC))
    assert due is not None and due.key == "2026-10"
    assert due_period(report_config(), datetime(2026, 11, 20, tzinfo=UTC)) is None


def test_two_workers_reaching_the_schedule_build_each_clients_report_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = report_config(schedule="2 08:00")
    fake = FakeFigures()
    monkeypatch.setattr(build, "compute_figures", fake)
    with db.session() as session:
        sync_clients(session, config.clients)
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    async def two_workers() -> tuple[list[int], list[int]]:
        first, second = await asyncio.gather(
            run_schedule(db, config, clock=lambda: now), run_schedule(db, config, clock=lambda: now)
        )
        return first, second

    first, second = asyncio.run(two_workers())
    assert len(first) + len(second) == 2 and not set(first) & set(second)
    assert sorted(fake.calls) == ["acme", "globex"]
    again = asyncio.run(run_schedule(db, config, clock=lambda: now))
    assert again == []
    with db.session() as session:
        runs = session.query(ReportRunRow).all()
        assert sorted((r.client_key, r.period_key, r.status) for r in runs) == [
            ("acme", "2026-10", "done"), ("globex", "2026-10", "done"),
        ]  # fmt: skip


def test_a_scheduled_report_that_failed_is_built_again_an_hour_later_and_then_sent_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = report_config(schedule="2 08:00")
    fake = FakeFigures(failing={"globex"})
    monkeypatch.setattr(build, "compute_figures", fake)
    with db.session() as session:
        sync_clients(session, config.clients)
    due = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)

    def status() -> dict[str, str]:
        with db.session() as session:
            return {r.client_key: r.status for r in session.query(ReportRunRow).all()}

    asyncio.run(run_schedule(db, config, clock=lambda: due))
    assert status() == {"acme": "done", "globex": "failed"}
    assert asyncio.run(run_schedule(db, config, clock=lambda: due + timedelta(minutes=30))) == []  # too soon
    fake.failing.clear()  # the hiccup is over
    retaken = asyncio.run(run_schedule(db, config, clock=lambda: due + timedelta(hours=1, minutes=1)))
    assert len(retaken) == 1
    assert status() == {"acme": "done", "globex": "done"}
    assert sorted(fake.calls) == ["acme", "globex", "globex"]
    assert asyncio.run(run_schedule(db, config, clock=lambda: due + timedelta(hours=3))) == []  # done stays done
