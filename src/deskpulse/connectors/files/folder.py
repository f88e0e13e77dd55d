"""One pass over a folder of ticket files: a stat per file, a read only when its (mtime, size) changed.

Blocking I/O: the connector runs ``FolderReader.scan`` in a worker thread. A malformed file never stops the
others; it becomes a warning, and its ticket is *held* (left as it is in the store) until the file is readable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.files.legacy import is_legacy, map_legacy
from deskpulse.connectors.files.schema import DocumentError, MappingContext, Reading, map_document

MAX_ID_CHARS = 64


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one file held when last read: a reading, or the reason it could not be read."""

    reading: Reading | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class _Cached:
    key: tuple[int, int]  # (st_mtime_ns, st_size): a file is re-read only when this changes
    result: FileResult
    last_id: str | None  # the ticket id of this file's last good reading, held while it is unreadable


@dataclass(slots=True)
class Scan:
    """The outcome of one pass: readable tickets by id, held ids and one warning per problem file."""

    folder: Path
    readings: dict[str, Reading] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    unreadable: int = 0
    duplicates: int = 0


def decode(raw: bytes) -> dict[str, Any]:
    """A file's bytes as a JSON object. Raises DocumentError with the reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise DocumentError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise DocumentError(f"not a JSON object but {type(data).__name__ if data is not None else 'null'}")
    return data


class FolderReader:
    """Reads the matching files of one folder, keeping each file's last result keyed by path."""

    def __init__(self, folder: Path, patterns: list[str], max_bytes: int, ctx: MappingContext) -> None:
        self.folder = folder
        self.patterns = [p.lower() for p in patterns]
        self.max_bytes = max_bytes
        self.ctx = ctx
        self.parses = 0  # file contents read and parsed, over the reader's life (the cache's effect is testable)
        self._cache: dict[str, _Cached] = {}

    def _matches(self, name: str) -> bool:
        # Hidden files are editors' and writers' temporary files.
        return not name.startswith(".") and any(fnmatchcase(name.lower(), p) for p in self.patterns)

    def _list(self) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.folder) as entries:
                return [e for e in entries if self._matches(e.name) and e.is_file()]
        except FileNotFoundError:
            raise ConnectorError(
                f"folder {self.folder} does not exist; create it or correct the source's path", permanent=True
            ) from None
        except NotADirectoryError:
            raise ConnectorError(
                f"{self.folder} is a file, not a folder; correct the source's path", permanent=True
            ) from None
        except PermissionError:
            raise ConnectorError(
                f"folder {self.folder} is not readable by deskpulse (permission denied)", permanent=True
            ) from None
        except OSError as exc:  # e.g. a network share that dropped for a moment: retried next cycle
            raise ConnectorError(f"cannot list folder {self.folder}: {exc.strerror or exc}") from exc

    def _read(self, path: Path) -> FileResult | None:
        """Read and parse one file; None when it vanished meanwhile."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return FileResult(problem=f"cannot be read ({exc.strerror or exc})")
        self.parses += 1
        try:
            if len(raw) > self.max_bytes:  # it grew after the stat
                raise DocumentError(f"{len(raw):,} bytes, over max_file_bytes ({self.max_bytes:,})")
            data = decode(raw)
            reading = map_legacy(data, path.stem, self.ctx) if is_legacy(data) else map_document(data, self.ctx)
        except DocumentError as exc:
            return FileResult(problem=str(exc))
        return FileResult(reading=reading)

    def _result(self, entry: os.DirEntry[str]) -> tuple[_Cached, int] | None:
        """The cached or fresh result of one file with its mtime; None when the file vanished."""
        try:
            st = entry.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            old = self._cache.get(entry.name)
            problem = FileResult(problem=f"cannot be read ({exc.strerror or exc})")
            return _Cached((0, -1), problem, old.last_id if old else None), 0
        key = (st.st_mtime_ns, st.st_size)
        old = self._cache.get(entry.name)
        if old is not None and old.key == key:
            return old, st.st_mtime_ns
        if st.st_size > self.max_bytes:
            result: FileResult | None = FileResult(
                problem=f"{st.st_size:,} bytes, over max_file_bytes ({self.max_bytes:,})"
            )
        else:
            result = self._read(Path(entry.path))
        if result is None:
            return None
        good_id = result.reading.ticket.external_id if result.reading else None
        return _Cached(key, result, good_id or (old.last_id if old else None)), st.st_mtime_ns

    def scan(self) -> Scan:
        """One pass over the folder. Raises ConnectorError (permanent) when the folder cannot be listed."""
        scan = Scan(folder=self.folder)
        cache: dict[str, _Cached] = {}
        owners: dict[str, tuple[str, int]] = {}  # ticket id -> (file name, mtime) of the file that supplies it
        problems: dict[str, _Cached] = {}
        for entry in sorted(self._list(), key=lambda e: e.name):
            found = self._result(entry)
            if found is None:
                continue
            cached, mtime = found
            cache[entry.name] = cached
            scan.files += 1
            reading = cached.result.reading
            if reading is None:
                problems[entry.name] = cached
                continue
            ext_id = reading.ticket.external_id
            if ext_id in owners:
                kept, dropped = _prefer((entry.name, mtime), owners[ext_id], ext_id)
                scan.warnings.append(f"Ticket files {dropped} and {kept} both hold ticket {ext_id}; {kept} is used.")
                scan.duplicates += 1
                if kept != entry.name:
                    continue
            owners[ext_id] = (entry.name, mtime)
            scan.readings[ext_id] = reading
        self._cache = cache  # files that vanished leave the cache
        for name, cached in problems.items():
            scan.unreadable += 1
            scan.warnings.append(f"Ticket file {name} skipped: {(cached.result.problem or '').rstrip('.')}.")
            held = cached.last_id or Path(name).stem.strip()
            if held and len(held) <= MAX_ID_CHARS and held not in scan.readings:
                scan.held.add(held)
        return scan


def _prefer(new: tuple[str, int], old: tuple[str, int], ext_id: str) -> tuple[str, str]:
    """(kept, dropped) file names of two files holding one ticket: ``<id>.*`` first, then the newer file."""

    def rank(item: tuple[str, int]) -> tuple[bool, int]:
        return Path(item[0]).stem == ext_id, item[1]

    return (new[0], old[0]) if rank(new) > rank(old) else (old[0], new[0])
