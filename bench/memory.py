"""Figure 3: memory. Resident set size of the two processes that hold 100k open tickets.

* ``deskpulse serve --web-only`` on a store filled with 100k open tickets: RSS once healthy, RSS after 50
  ``/api/dashboard`` requests, and the process's high-water mark (``VmHWM``), read with psutil and /proc.
* the first full sync of 100k (``deskpulse sync --once`` in a child of ``bench/maxrss.py``): peak RSS from
  ``getrusage(RUSAGE_CHILDREN)``, so the figure is that process's own high-water mark.
"""

from __future__ import annotations

import httpx2
import psutil

from common import (
    DESKPULSE,
    MIB,
    BenchResult,
    Figure,
    Workspace,
    child_env,
    free_port,
    peak_rss_bytes,
    wait_http,
)

NAME = "memory"
FULL_TICKETS = 100_000
DASHBOARD_HITS = 50


def serve_memory(ws: Workspace, open_tickets: int) -> dict[str, float]:
    """RSS (MiB) of the web process before and after ``DASHBOARD_HITS`` dashboard views, and its peak."""
    store = ws.filled_store(open_tickets)
    port = free_port()
    args = [DESKPULSE, "serve", "--web-only", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--config", str(store.config_path)]
    child = ws.spawn(f"serve-memory-{open_tickets}", args, env=child_env(store.database_url))
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", child)
        proc = psutil.Process(child.pid)
        idle = proc.memory_info().rss
        with httpx2.Client(timeout=120) as client:
            for _ in range(DASHBOARD_HITS):
                client.get(f"http://127.0.0.1:{port}/api/dashboard", headers=store.headers).raise_for_status()
        after = proc.memory_info().rss
        peak = peak_rss_bytes(child.pid) or after
    finally:
        ws.release(child)
    return {"idle_mib": idle / MIB, "after_mib": after / MIB, "peak_mib": peak / MIB}


def run(ws: Workspace) -> BenchResult:
    """Serve and first-sync memory at 100k open tickets (10,000 with ``--quick``)."""
    n = ws.scale(FULL_TICKETS)
    serve = serve_memory(ws, n)
    store = ws.filled_store(n)
    sync_peak = store.peak_rss / MIB
    serve_w = f"deskpulse serve --web-only, {n:,} open tickets in SQLite, after {DASHBOARD_HITS} /api/dashboard"
    figures = [
        Figure("serve RSS", serve["after_mib"], "MiB", serve_w, note=f"RSS when healthy: {serve['idle_mib']:.0f} MiB"),
        Figure("serve peak RSS (VmHWM)", serve["peak_mib"], "MiB", serve_w),
        Figure(
            "first full sync peak RSS",
            sync_peak,
            "MiB",
            f"deskpulse sync --once, {n:,} open tickets from the simulator, {store.seconds:.1f} s",
        ),
    ]
    return BenchResult(NAME, figures, {"serve": serve, "sync_peak_mib": sync_peak, "sync_seconds": store.seconds})
