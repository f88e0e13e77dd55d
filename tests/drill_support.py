"""Throwaway servers for the fault drills: a private Redis the drill may kill and start again on the same port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def binary_or_skip(name: str) -> str:
    """The path of ``name``; skips without it (fails under CI, which installs it)."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed; CI must provide it")
        pytest.skip(f"{name} is not installed")
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
