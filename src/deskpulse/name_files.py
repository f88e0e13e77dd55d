"""Name-override files in the old ``id:Name`` per line format (``agents.txt``, ``requesters.txt``).

Blank lines and lines starting with ``#`` are skipped; a line without ``:`` or with an empty id or name is
reported and skipped. A file is re-read only when its modification time or size changed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)


def parse_id_names(text: str) -> tuple[dict[str, str], list[str]]:
    """(id -> name, one sentence per unusable line). Later lines win over earlier ones for the same id."""
    names: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        ident, sep, name = line.partition(":")
        if not sep or not ident.strip() or not name.strip():
            problems.append(f"line {number} is not in the id:Name format")
            continue
        names[ident.strip()] = name.strip()
    return names, problems


@dataclass(slots=True)
class NameFile:
    """One override file, cached by (mtime, size); a missing or unreadable file reads as empty."""

    path: Path
    _stamp: tuple[int, int] | None = None
    _names: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def names(self) -> dict[str, str]:
        """The current id -> name map."""
        try:
            stat = self.path.stat()
        except OSError:
            if self._stamp != (-1, -1):
                log.warning("name file %s cannot be read; synced names are used", self.path)
            self._stamp, self._names = (-1, -1), {}
            return self._names
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    text = self.path.read_text(encoding="utf-8", errors="replace")
                except OSError as exc:
                    log.warning("name file %s cannot be read: %s", self.path, exc)
                    text = ""
                self._names, problems = parse_id_names(text)
                for problem in problems:
                    log.warning("name file %s: %s", self.path, problem)
                self._stamp = stamp
            return self._names


@lru_cache(maxsize=16)
def name_file(path: str | None) -> NameFile | None:
    """A cached reader for ``path`` (None when no file is configured)."""
    return NameFile(Path(path)) if path else None
