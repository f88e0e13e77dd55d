"""Writing a report's files to a directory (``deskpulse report --out``) all or nothing.

A full disk or a broken mount must never leave a truncated ``report-acme-2026-10.pdf`` that looks finished:
each file is written to a hidden temporary name and flushed to disk first; only when every file of the report
is complete are they renamed into place (a rename needs no space and replaces an older copy at once).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path


class OutFilesError(RuntimeError):
    """The report's files could not be written; the message is a sentence, and nothing half-written was left."""


def write_report_files(out: Path, stem: str, files: Mapping[str, bytes | None]) -> list[Path]:
    """Write ``files`` (suffix -> bytes; None is skipped) as ``out/<stem>.<suffix>``, all or none; the paths.

    Raises ``OutFilesError`` with a sentence when any of them cannot be written (the others are not written)."""
    parts: list[tuple[Path, Path]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for suffix, data in files.items():
            if data is None:
                continue
            final = out / f"{stem}.{suffix}"
            part = out / f".{stem}.{suffix}.part"
            parts.append((part, final))
            with part.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for part, final in parts:
            os.replace(part, final)
    except OSError as exc:
        for part, _ in parts:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
        why = exc.strerror or str(exc)
        raise OutFilesError(
            f"The report files could not be written to {out} ({why}); nothing half-written was left there."
        ) from exc
    return [final for _, final in parts]
