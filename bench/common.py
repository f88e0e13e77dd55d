"""Shared pieces of the benchmarks: figures, machine facts, child processes, simulators and filled stores.

Every server a benchmark talks to runs in its own child process on 127.0.0.1, so the client's numbers
include real HTTP and the server's memory is its own. Children are stopped by their own pid only.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx2
import psutil

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
DESKPULSE = str(VENV_BIN / "deskpulse")
SIM_TOKEN = "bench-token"  # the simulator's own, public token
SOURCE_NAME = "trengo-bench"
# High enough that neither the simulator nor the connector's client-side budget ever throttles.
BENCH_RATE_LIMIT = 1_000_000
MIB = 1024 * 1024
STARTUP_TIMEOUT = 180.0


@dataclass(slots=True)
class Figure:
    """One reported number. ``ratio`` is always "how many times better than the baseline" (> 1 = we win)."""

    name: str
    value: float
    unit: str
    workload: str
    baseline: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.value == 0 or self.baseline == 0:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass(slots=True)
class BenchResult:
    """What one benchmark module returns: its figures and raw details for the JSON file."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def machine_info() -> dict[str, Any]:
    """Facts about this machine that the figures depend on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpu": cpu,
        "platform": platform.platform(),
    }


def percentile(samples: list[float], pct: float) -> float:
    """Linear-interpolated percentile (``pct`` in 0..100) of a non-empty sample."""
    if len(samples) == 1:
        return samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    if pct <= 0:
        return min(samples)
    if pct >= 100:
        return max(samples)
    return cuts[int(pct) - 1]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, child: subprocess.Popen[bytes], timeout: float = STARTUP_TIMEOUT) -> None:
    """Poll ``url`` until it answers 200; fail early when the child exits."""
    deadline = time.monotonic() + timeout
    with httpx2.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"child {child.args!r} exited with {child.returncode} before {url} answered")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def child_env(database_url: str | None = None) -> dict[str, str]:
    """The environment of a child: ours minus any DESKPULSE_/TRENGO_ settings, plus the database URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKPULSE_", "TRENGO_"))}
    if database_url is not None:
        env["DESKPULSE_DATABASE_URL"] = database_url
    return env


def stop(child: subprocess.Popen[bytes]) -> None:
    """Stop one child we started (SIGTERM, then SIGKILL after 10 s)."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)


def reset_peak_rss() -> bool:
    """Reset this process's high-water RSS (VmHWM) to its current RSS; False where Linux's clear_refs is missing."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="utf-8")  # 5: reset the peak RSS (VmHWM)
    except OSError:
        return False
    return True


def peak_rss_bytes(pid: int) -> int | None:
    """The process's high-water RSS (VmHWM), Linux only."""
    status = Path(f"/proc/{pid}/status")
    if not status.is_file():
        return None
    for line in status.read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


@dataclass(slots=True)
class Simulator:
    """A Trengo simulator child process (``bench/sim_server.py``)."""

    port: int
    open_tickets: int
    latency: float
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL a source points at."""
        return f"{self.url}/api/v2"

    def requests(self) -> int:
        """How many API requests the simulator has answered so far (its ``request_log`` length)."""
        return int(httpx2.get(f"{self.url}/_bench/requests", timeout=30).json()["requests"])

    def stats(self) -> dict[str, int]:
        """Open/assigned counts and teams/users pages: what one old-style view has to fetch."""
        return dict(httpx2.get(f"{self.url}/_bench/stats", timeout=30).json())

    def change(self, fraction: float) -> int:
        """Reassign ``fraction`` of the open tickets to another agent; returns how many changed."""
        resp = httpx2.post(f"{self.url}/_bench/change", json={"fraction": fraction}, timeout=120)
        return int(resp.json()["changed"])


@dataclass(slots=True)
class FilledStore:
    """A SQLite store filled by one real first sync (``deskpulse sync --once``) from a simulator."""

    db_path: Path
    config_path: Path
    open_tickets: int
    seconds: float
    peak_rss: int
    output: str
    api_key: str = ""

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def headers(self) -> dict[str, str]:
        """Request headers that authenticate as the store's benchmark viewer key."""
        return {"X-API-Key": self.api_key}


def write_config(path: Path, base_url: str, **source: Any) -> Path:
    """A TOML config with one Trengo source pointing at a simulator (database URL comes from the env)."""
    values: dict[str, Any] = {
        "name": SOURCE_NAME,
        "kind": "trengo",
        "base_url": base_url,
        "token": SIM_TOKEN,
        "requests_per_minute": BENCH_RATE_LIMIT,
        "timeout_seconds": 120,
        **source,
    }
    lines = ["[[sources]]", *(f"{key} = {json.dumps(value)}" for key, value in values.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def create_api_key(config_path: Path, db_path: Path, cwd: Path) -> str:
    """A viewer API key for a store, made with ``deskpulse apikey create`` (it prints the key last)."""
    done = subprocess.run(
        [DESKPULSE, "apikey", "create", "--name", "bench", "--role", "viewer", "--config", str(config_path)],
        env=child_env(f"sqlite:///{db_path}"),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"creating an API key failed:\n{done.stdout[-1000:]}{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1].strip()


class Workspace:
    """Scratch directory, child processes and cached simulators/stores of one benchmark run."""

    def __init__(self, root: Path, *, quick: bool) -> None:
        self.root = root
        self.quick = quick
        self._children: list[subprocess.Popen[bytes]] = []
        self._logs: list[TextIO] = []
        self._simulators: dict[tuple[int, float], Simulator] = {}
        self._stores: dict[tuple[int, float], FilledStore] = {}

    def scale(self, full: int) -> int:
        """The workload size: ``full`` normally, ten times smaller with ``--quick``."""
        return max(1, full // 10) if self.quick else full

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start a child with its output in ``<root>/<name>.log``; it is stopped by ``close``."""
        log = (self.root / f"{name}.log").open("w", encoding="utf-8")
        self._logs.append(log)
        child = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env or child_env(), cwd=self.root)
        self._children.append(child)
        return child

    def release(self, child: subprocess.Popen[bytes]) -> None:
        """Stop a child before the workspace closes."""
        stop(child)
        if child in self._children:
            self._children.remove(child)

    def simulator(self, open_tickets: int, latency: float = 0.0) -> Simulator:
        """A running simulator holding ``TrengoScenario.bulk(open_tickets)``, started once per run."""
        key = (open_tickets, latency)
        if key not in self._simulators:
            port = free_port()
            args = [sys.executable, str(BENCH_DIR / "sim_server.py"), "--port", str(port)]
            args += ["--open-tickets", str(open_tickets), "--latency", str(latency), "--token", SIM_TOKEN]
            args += ["--rate-limit", str(BENCH_RATE_LIMIT)]
            child = self.spawn(f"sim-{open_tickets}-{latency}", args)
            sim = Simulator(port, open_tickets, latency, child)
            wait_http(f"{sim.url}/_sim/state", child)
            self._simulators[key] = sim
        return self._simulators[key]

    def filled_store(self, open_tickets: int, latency: float = 0.0) -> FilledStore:
        """A store filled by ``deskpulse sync --once`` in a child; its peak RSS is measured exactly.

        The sync runs under ``bench/maxrss.py``, whose only child is the sync, so ``RUSAGE_CHILDREN``
        is the sync's own high-water mark.
        """
        key = (open_tickets, latency)
        if key not in self._stores:
            sim = self.simulator(open_tickets, latency)
            stem = f"store-{open_tickets}-{latency}"
            db_path = self.root / f"{stem}.db"
            config_path = write_config(self.root / f"{stem}.toml", sim.base_url)
            args = [sys.executable, str(BENCH_DIR / "maxrss.py"), DESKPULSE, "sync", "--once"]
            args += ["--config", str(config_path)]
            done = subprocess.run(
                args,
                env=child_env(f"sqlite:///{db_path}"),
                cwd=self.root,
                capture_output=True,
                text=True,
                timeout=3600,
                check=False,
            )
            report = json.loads(done.stdout.strip().splitlines()[-1])
            if report["returncode"] != 0:
                raise RuntimeError(f"filling the store failed:\n{done.stderr[-3000:]}")
            self._stores[key] = FilledStore(
                db_path, config_path, open_tickets, report["seconds"], report["max_rss"], done.stderr[-2000:]
            )
            self._stores[key].api_key = create_api_key(config_path, db_path, self.root)
        return self._stores[key]

    def close(self) -> None:
        """Stop every child still running and close their logs."""
        for child in reversed(self._children):
            stop(child)
        self._children.clear()
        for log in self._logs:
            log.close()
