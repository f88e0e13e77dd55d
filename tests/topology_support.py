"""A deskpulse deployment made of real processes, for the topology test.

A Trengo simulator (``python -m deskpulse.simulators.serve``), web processes (``deskpulse serve --web-only``) and
workers (``deskpulse worker``) share a fresh, uniquely named PostgreSQL database and one Redis database. Source
names carry a random suffix, so two runs sharing a Redis server cannot mistake each other's events for their own.
Every child is stopped by its own pid; the database is dropped afterwards.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow, TicketRow

T = TypeVar("T")
DESKPULSE = str(Path(sys.executable).parent / "deskpulse")
REDIS_URL = os.environ.get("DESKPULSE_TEST_TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/14")
SIM_TOKEN = "topology-token"
POLL_SECONDS = 5
LEASE_SECONDS = 10  # the lease is max(10, 5 × 5) = 25 s
# `2026-11-22 10:00:00,123 INFO deskpulse.sync.scheduler: synced NAME: 30 active, 3 requests, 0.2 s`
SYNCED = re.compile(r"^(\S+ \S+) INFO deskpulse\.sync\.scheduler: synced (\S+): .*, ([\d.]+) s$", re.M)


def services_or_skip() -> str:
    """The PostgreSQL URL to create the test database next to; skips (fails under CI) when something is missing."""
    url = os.environ.get("DESKPULSE_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the topology test runs in the PostgreSQL pass (set DESKPULSE_TEST_DATABASE_URL)")
    pg, redis = make_url(url), urlsplit(REDIS_URL)
    missing = [
        name
        for name, host, port in (
            ("PostgreSQL", pg.host, pg.port or 5432),
            ("Redis", redis.hostname, redis.port or 6379),
        )
        if not _reachable(host or "127.0.0.1", port)
    ]
    if missing:
        reason = f"{' and '.join(missing)} not reachable; the topology test needs both"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI must run it")
        pytest.skip(reason)
    return url


def _reachable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, uniquely named database on the server of ``server_url``; dropped (connections and all) afterwards."""
    url = make_url(server_url)
    name = f"deskpulse_topology_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(what: str, probe: Callable[[], T | None], timeout: float, every: float = 0.1) -> T:
    """Poll ``probe`` until it returns something other than None/False; AssertionError naming ``what`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


@dataclass(frozen=True, slots=True)
class Cycle:
    """One successful sync cycle as a worker logged it (start = log time - duration)."""

    source: str
    worker: str
    start: float
    end: float


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM, then SIGKILL after ``timeout`` s; the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=timeout)


@dataclass
class Child:
    """One process of the deployment, its output in ``log_path``."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def cycles(self) -> list[Cycle]:
        """The successful cycles this worker logged so far."""
        found = []
        for stamp, source, seconds in SYNCED.findall(self.log()):
            end = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()  # local time, like the log
            found.append(Cycle(source, self.name, end - float(seconds), end))
        return found

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then SIGKILL after ``timeout`` s; the exit status."""
        return stop_process(self.process, timeout)


class Deployment:
    """The processes, their shared configuration and views of the store and the simulator."""

    def __init__(self, root: Path, database_url: str, redis_url: str = REDIS_URL) -> None:
        self.root = root
        self.database_url = database_url
        self.redis_url = redis_url
        suffix = uuid.uuid4().hex[:6]
        self.sources = [f"topo-a-{suffix}", f"topo-b-{suffix}"]
        self.sim_port = free_port()
        self.children: dict[str, Child] = {}
        self.config_path = self._write_config()
        self.db = Database(database_url)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKPULSE_", "TRENGO_"))}

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    def _write_config(self) -> Path:
        lines = [
            f'database_url = "{self.database_url}"',
            f'redis_url = "{self.redis_url}"',
            f"lease_seconds = {LEASE_SECONDS}",
        ]
        for name in self.sources:
            lines += [
                "[[sources]]",
                f'name = "{name}"',
                'kind = "trengo"',
                f'base_url = "{self.sim_url}/api/v2"',
                f'token = "{SIM_TOKEN}"',
                f"poll_seconds = {POLL_SECONDS}",
                "closed_sweep_seconds = 30",
                "closed_backfill_days = 2",
                "requests_per_minute = 100000",
                "timeout_seconds = 10",
            ]
        path = self.root / "deskpulse.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    # ------------------------------------------------------------------ processes
    def spawn(self, name: str, args: list[str]) -> Child:
        """Start ``args`` with its output in ``<root>/<name>.log``."""
        log_path = self.root / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.root)
        self.children[name] = child = Child(name, process, log_path)
        return child

    def start_simulator(self) -> Child:
        """The Trengo simulator: 30 open tickets, a day of closed ones, no rate limit in the way."""
        args = [sys.executable, "-m", "deskpulse.simulators.serve", "--port", str(self.sim_port), "--seed", "7"]
        args += ["--token", SIM_TOKEN, "--open-tickets", "30", "--history-days", "1", "--closed-per-day", "20"]
        return self.spawn("simulator", [*args, "--rate-limit", "1000000"])

    def start_web(self, name: str, *extra: str) -> tuple[Child, str]:
        """``deskpulse serve --web-only`` on a free port; the child and its base URL."""
        port = free_port()
        child = self.spawn(name, [DESKPULSE, "serve", "--web-only", "--port", str(port), *self._config(), *extra])
        return child, f"http://127.0.0.1:{port}"

    def start_worker(self, name: str) -> Child:
        """``deskpulse worker``."""
        return self.spawn(name, [DESKPULSE, "worker", *self._config()])

    def _config(self) -> list[str]:
        return ["--config", str(self.config_path)]

    def create_api_key(self) -> subprocess.Popen[str]:
        """Start ``deskpulse apikey create`` for a manager key (it migrates the store too, like every process
        starting now: they take turns); ``api_key`` reads the key."""
        args = [DESKPULSE, "apikey", "create", "--name", "topology", "--role", "manager", *self._config()]
        return subprocess.Popen(
            args, env=self.env, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    @staticmethod
    def api_key(creating: subprocess.Popen[str]) -> str:
        """The key ``create_api_key`` printed on its last line."""
        out, err = creating.communicate(timeout=120)
        assert creating.returncode == 0, out + err
        return out.strip().splitlines()[-1].strip()

    def wait_http(self, url: str, child: Child, timeout: float = 60) -> None:
        """Until ``url`` answers 200; fails at once when ``child`` exits."""

        def answers() -> bool:
            assert child.process.poll() is None, f"{child.name} exited early:\n{child.log()[-3000:]}"
            try:
                return httpx2.get(url, timeout=2).status_code == 200
            except httpx2.TransportError:
                return False

        wait_until(f"{url} answering", answers, timeout)

    def worker_by_pid(self, pid: int) -> Child:
        """The child with this pid."""
        return next(c for c in self.children.values() if c.pid == pid)

    def stop_all(self) -> None:
        """Stop every child still running (by pid) and close the store."""
        for child in reversed(list(self.children.values())):
            child.stop()
        self.db.dispose()

    def logs(self) -> str:
        """The tail of every child's log (printed by the fixture; pytest shows it when a test fails)."""
        return "\n".join(f"----- {c.name}\n{c.log()[-4000:]}" for c in self.children.values())

    # ------------------------------------------------------------------ the simulator
    def sim(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """One request to the simulator (API paths get the token)."""
        headers = {"Authorization": f"Bearer {SIM_TOKEN}"} if path.startswith("/api/") else {}
        response = httpx2.request(method, f"{self.sim_url}{path}", headers=headers, timeout=10, **kwargs)
        assert response.status_code < 300, response.text
        return response

    def close_tickets(self, count: int) -> list[str]:
        """Close the first ``count`` assigned tickets through the Trengo API; their ids."""
        listed = self.sim("GET", "/api/v2/tickets", params={"status": "ASSIGNED"}).json()["data"][:count]
        for ticket in listed:
            self.sim("POST", f"/api/v2/tickets/{ticket['id']}/close")
        return [str(ticket["id"]) for ticket in listed]

    def slow_down(self, seconds: float) -> None:
        """Every API request of the simulator takes ``seconds`` longer until ``heal``."""
        self.sim("POST", "/_sim/faults", json={"mode": "timeout", "delay_seconds": seconds})

    def heal(self) -> None:
        """No more faults."""
        self.sim("DELETE", "/_sim/faults")

    # ------------------------------------------------------------------ the store
    def active_ids(self, source: str) -> frozenset[str]:
        """The external ids of the source's active tickets in the store."""
        with self.db.session() as session:
            return frozenset(
                session.scalars(
                    select(TicketRow.external_id)
                    .join(SourceRow, SourceRow.id == TicketRow.source_id)
                    .where(SourceRow.name == source, TicketRow.is_active.is_(True))
                )
            )

    def has_synced(self, source: str) -> bool:
        """True once a cycle of ``source`` succeeded (False while the store is still being set up)."""
        try:
            return self.source_row(source).last_ok_at is not None
        except (ProgrammingError, AssertionError):  # no tables yet, or no row yet
            return False

    def source_row(self, source: str) -> SourceRow:
        """The source's row (detached)."""
        with self.db.session() as session:
            row = session.scalar(select(SourceRow).where(SourceRow.name == source))
            assert row is not None, source
            return row


class SlowDesk(Deployment):
    """One Trengo source on a slow simulator, a short lease and no Redis: the set-up of the process drills, whose
    subject is the sync under way. Subclasses set the sizes."""

    open_tickets = 400
    latency = 0.05  # seconds per simulator response
    seed = 11
    poll_seconds = 5
    lease_seconds = 10

    def _write_config(self) -> Path:
        self.sources = self.sources[:1]
        lines = [
            f'database_url = "{self.database_url}"',
            f"lease_seconds = {self.lease_seconds}",
            "[[sources]]",
            f'name = "{self.sources[0]}"',
            'kind = "trengo"',
            f'base_url = "{self.sim_url}/api/v2"',
            f'token = "{SIM_TOKEN}"',
            f"poll_seconds = {self.poll_seconds}",
            "closed_backfill_days = 1",
            "requests_per_minute = 100000",
            "timeout_seconds = 10",
        ]
        path = self.root / "deskpulse.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def start_simulator(self) -> Child:
        args = [sys.executable, "-m", "deskpulse.simulators.serve", "--port", str(self.sim_port), "--seed",
                str(self.seed), "--token", SIM_TOKEN, "--open-tickets", str(self.open_tickets), "--history-days", "1",
                "--closed-per-day", "20", "--rate-limit", "1000000", "--latency", str(self.latency)]  # fmt: skip
        return self.spawn("simulator", args)
