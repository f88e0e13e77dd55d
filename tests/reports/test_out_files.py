"""``deskpulse report --out`` writes a report's files all or none: a disk that fills up half-way leaves no
truncated file and no temporary behind, and an older complete copy stays as it was. The disk-full drill
(tests/drills/test_disk_full.py) shows the same on a real full filesystem."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from deskpulse.reports.out_files import OutFilesError, write_report_files

FILES = {"html": b"<html>report</html>", "pdf": b"%PDF-1.7 ... %%EOF", "eml": b"To: it@acme.test\r\n\r\nhi"}


def full_at_the_third_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the third file (the e-mail) is flushed, as a real one reports it."""
    calls = {"n": 0}
    real = os.fsync

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_disk_filling_up_half_way_leaves_no_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_at_the_third_file(monkeypatch)
    with pytest.raises(OutFilesError) as failed:
        write_report_files(tmp_path, "report-acme-2026-10", FILES)
    assert str(failed.value) == (
        f"The report files could not be written to {tmp_path} (No space left on device); "
        "nothing half-written was left there."
    )
    assert list(tmp_path.iterdir()) == []


def test_an_older_complete_copy_stays_when_the_new_one_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = write_report_files(tmp_path, "report-acme-2026-10", FILES)
    assert sorted(p.name for p in written) == [f"report-acme-2026-10.{s}" for s in ("eml", "html", "pdf")]
    full_at_the_third_file(monkeypatch)
    with pytest.raises(OutFilesError):
        write_report_files(tmp_path, "report-acme-2026-10", {k: v + b" (new)" for k, v in FILES.items()})
    for suffix, data in FILES.items():
        assert (tmp_path / f"report-acme-2026-10.{suffix}").read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
