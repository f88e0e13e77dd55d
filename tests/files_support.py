"""Helpers for tests of the files source: ticket documents and a folder to drop them into."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from deskpulse.connectors.files import FilesConnector, FilesSettings


def ticket_doc(ticket_id: str | int = "100", **overrides: Any) -> dict[str, Any]:
    """A minimal valid normalized document; ``overrides`` replace or add fields (None removes one)."""
    doc: dict[str, Any] = {
        "id": ticket_id,
        "subject": f"Ticket {ticket_id}",
        "status": "open",
        "created_at": "2026-11-18T08:00:00Z",
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def write(folder: Path, name: str, content: dict[str, Any] | list[Any] | str | bytes, *, bump: bool = True) -> Path:
    """Write one file (a dict or list as JSON); ``bump`` moves its mtime forward so a rewrite is always seen."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    old_mtime = path.stat().st_mtime_ns if path.exists() else None
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    if bump and old_mtime is not None:
        # Two writes within the file system's timestamp granularity must still look different.
        os.utime(path, ns=(old_mtime + 1_000_000_000, old_mtime + 1_000_000_000))
    return path


def files_source(folder: Path, **overrides: Any) -> tuple[FilesSettings, FilesConnector]:
    """Settings for ``folder`` and a connector reading it."""
    settings = FilesSettings(name="otherdesk", path=str(folder), **overrides)
    return settings, FilesConnector(settings)
