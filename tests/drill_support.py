"""Throwaway servers for the fault drills: a private Redis the drill may kill and start again on the same port,
and a private PostgreSQL cluster it may stop and start (never the shared server)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with ``reason``; under CI (which provides everything the drills need) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


def binary_or_skip(name: str) -> str:
    """The path of ``name``; skips without it (fails under CI, which installs it)."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    path = path or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        skip_or_fail(f"{name} is not installed")
    return path


def wait_until(check: object, timeout: float, what: str) -> None:
    """Poll ``check()`` every 50 ms until it is true; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


class PrivateRedis:
    """A redis-server of the drill's own on ``port`` (nothing kept on disk), stopped and started at will."""

    def __init__(self, port: int) -> None:
        self.binary = binary_or_skip("redis-server")
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, 10, f"redis-server on port {self.port} answering")

    def kill(self) -> None:
        """SIGKILL: Redis disappears without a goodbye, as when its machine dies."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
        wait_until(lambda: not self._answers(), 10, f"port {self.port} closing")

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


def postgres_bin_or_skip() -> Path:
    """The newest PostgreSQL server binaries (``/usr/lib/postgresql/N/bin``); skips (fails under CI) without."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        skip_or_fail("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    return found[-1].parent


class PrivatePostgres:
    """A PostgreSQL cluster of the drill's own on ``port`` (trust, loopback only), stopped and started at will.

    The server refuses to run as root, so it runs as the ``postgres`` user (through ``runuser``); its data lives
    in a directory of its own under /tmp (the pytest tmp_path is root's alone and closed to that user)."""

    def __init__(self, port: int) -> None:
        self.bin = postgres_bin_or_skip()
        self.runuser = binary_or_skip("runuser")
        if os.geteuid() != 0:
            skip_or_fail("a private PostgreSQL needs root, to run it as the postgres user")
        try:
            self.user = pwd.getpwnam("postgres")
        except KeyError:
            skip_or_fail("there is no postgres user to run a private PostgreSQL as")
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="deskpulse-drill-pg-"))
        self.data = self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, tool: str, *args: str) -> None:
        command = [self.runuser, "-u", "postgres", "--", str(self.bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        assert done.returncode == 0, f"{tool} failed:\n{done.stdout}{done.stderr}"

    def start(self) -> None:
        """Start the server (creating the cluster the first time) and wait until it accepts connections."""
        if not self.data.exists():
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
            self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m mode``: fast ends every session at once (as a restart does); immediate is a crash."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    """A real filesystem of ``size`` (tmpfs) mounted at ``path``; skips where mounting is not allowed (it needs
    root with CAP_SYS_ADMIN, which a container may withhold even from root)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"a small tmpfs cannot be mounted here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def fill_disk(disk: Path, leave: int) -> Path:
    """Fill the filesystem of ``disk`` with a ballast file until about ``leave`` bytes are free; the ballast."""
    ballast = disk / "ballast"
    stat = os.statvfs(disk)
    size = stat.f_bavail * stat.f_frsize - leave
    with ballast.open("wb") as handle:
        handle.write(b"\0" * max(0, size))
    return ballast


def report_batch_config(root: Path, store: Path, smtp_port: int, clients: list[str]) -> Path:
    """A deskpulse.toml for the report drills: a SQLite store, a local SMTP server, one recipient per client,
    no vendor detail fetching and no retry delay."""
    lines = [f'database_url = "sqlite:///{store}"',
             "[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"',
             'from_address = "reports@msp.test"',
             "[reports]", "details_max_requests = 0", "retry_seconds = 0"]  # fmt: skip
    for key in clients:
        lines += ["[[reports.recipients]]", f'client = "{key}"', f'to = ["it@{key}.test"]']
    for key in clients:
        lines += ["[[clients]]", f'id = "{key}"', f'name = "{key.title()}"']
    path = root / "deskpulse.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
