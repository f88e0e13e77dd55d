"""The soak test's server side: ``deskpulse demo`` as a child process, API keys for its clients, and what the
server process holds (memory, file descriptors, SQLite connections, threads) read from ``/proc`` via psutil."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from deskpulse.auth import apikeys
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.clock import utcnow
from deskpulse.store.db import Database
from drill_support import free_port
from topology_support import stop_process

DESKPULSE = str(Path(sys.executable).parent / "deskpulse")
READY = "deskpulse demo running at"
# The keys are made on the server's own disk, as `deskpulse apikey create` would: with the installation's rights.
INSTALLATION = Principal(kind="user", role=Role.ADMIN, actor="soak", client_ids=None, name="soak")


def soak_seconds() -> int:
    """How long the load runs: ``DESKPULSE_SOAK_SECONDS`` (``make soak``: 600); 60 in the ordinary suite."""
    raw = os.environ.get("DESKPULSE_SOAK_SECONDS", "60")
    if not raw.isdigit() or int(raw) < 30:
        pytest.fail(f"DESKPULSE_SOAK_SECONDS must be a whole number of seconds, at least 30 (got {raw!r})")
    return int(raw)


@dataclass(frozen=True, slots=True)
class ServerSample:
    """What the server process holds at one moment (``rss`` in bytes)."""

    at: float
    rss: int
    fds: int
    db_connections: int
    threads: int


class DemoProcess:
    """``deskpulse demo --event-rate RATE`` on a free loopback port, its data in ``root``; stopped by its pid."""

    def __init__(self, root: Path, event_rate: float) -> None:
        self.root = root
        self.port = free_port()
        self.db_path = root / "data" / "demo.db"
        self.log_path = root / "demo.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKPULSE_", "TRENGO_"))}
        env["DESKPULSE_DATA_DIR"] = str(root / "data")
        args = [DESKPULSE, "demo", "--port", str(self.port), "--event-rate", f"{event_rate:g}"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
        self.server = psutil.Process(self.process.pid)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        """Until the demo says it is running; fails at once, with its log, when it exits first."""
        deadline = time.monotonic() + timeout
        while READY not in self.log():
            if self.process.poll() is not None:
                pytest.fail(f"deskpulse demo exited with status {self.process.returncode}:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"deskpulse demo did not start within {timeout:.0f} s:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def create_keys(self, role: Role, count: int, clients: list[str] | None = None) -> list[str]:
        """``count`` new API keys of ``role`` (limited to ``clients``), one per simulated script."""
        db = Database(f"sqlite:///{self.db_path}")
        try:
            with db.session() as session:
                return [
                    apikeys.create(
                        session, creator=INSTALLATION, name=f"soak {role.value} {n}", role=role, clients=clients,
                        now=utcnow(),
                    )[1]
                    for n in range(count)
                ]  # fmt: skip
        finally:
            db.dispose()

    def sample(self) -> ServerSample:
        """RSS, open descriptors, open SQLite connections (descriptors on the database file itself, not its WAL)
        and threads of the server process."""
        database = str(self.db_path)
        connections = 0
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                connections += os.readlink(fd) == database
            except OSError:  # closed between listing and reading
                continue
        with self.server.oneshot():
            return ServerSample(
                time.monotonic(), self.server.memory_info().rss, self.server.num_fds(), connections,
                self.server.num_threads(),
            )  # fmt: skip

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, SIGKILL after ``timeout`` s; the exit status."""
        return stop_process(self.process, timeout)
