"""The soak test's summary: one line per window for people, and a JSON document the docs can cite."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soak_load import Tally, Window
from soak_support import ServerSample

MIB = 1024 * 1024


def line(window: Window) -> str:
    """``  60 s: 1180 requests (1180 × 200), 0 errors, 412 events; RSS 180.2 MiB, 91 fds, 3 db connections``."""
    statuses: dict[int, int] = {}
    for (_, status), n in window.responses.items():
        statuses[status] = statuses.get(status, 0) + n
    by_status = ", ".join(f"{n} × {status}" for status, n in sorted(statuses.items())) or "none"
    server = window.server
    return (
        f"{window.end:5.0f} s: {sum(statuses.values())} responses ({by_status}), {window.errors} transport errors, "
        f"{window.events} events; RSS {server.rss / MIB:.1f} MiB, {server.fds} fds, "
        f"{server.db_connections} db connections, {server.threads} threads; "
        f"clients' loop late ≤ {window.client_lag:.1f} s"
    )


def _server(sample: ServerSample) -> dict[str, Any]:
    return {
        "rss_mib": round(sample.rss / MIB, 1),
        "fds": sample.fds,
        "db_connections": sample.db_connections,
        "threads": sample.threads,
    }


def _window(window: Window) -> dict[str, Any]:
    return {
        "end_s": round(window.end),
        "responses": window.responses.total(),
        "errors": window.errors,
        "events": window.events,
        "client_lag_s": round(window.client_lag, 2),
        **_server(window.server),
    }


def summary(
    *, settings: dict[str, Any], idle: ServerSample, baseline: Window, windows: list[Window], settled: ServerSample,
    tally: Tally, exit_status: int,
) -> dict[str, Any]:  # fmt: skip
    """Everything measured, as plain JSON: the settings, the server idle, after warm-up, at the end and after
    the clients left, the totals and one entry per window."""
    after = [w for w in windows if w.end > baseline.end - 1]
    responses: dict[str, int] = {}
    for (who, status), n in sorted(tally.responses.items()):
        responses[f"{who} {status}"] = n
    return {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "server": {
            "idle_before_load": _server(idle),
            "after_warmup": _server(baseline.server),
            "end": _server(windows[-1].server),
            "max_after_warmup": {
                "rss_mib": round(max(w.server.rss for w in after) / MIB, 1),
                "fds": max(w.server.fds for w in after),
                "db_connections": max(w.server.db_connections for w in after),
                "threads": max(w.server.threads for w in after),
            },
            "after_clients_left": _server(settled),
            "rss_growth_after_warmup": round(max(w.server.rss for w in after) / baseline.server.rss - 1, 4),
            "exit_status": exit_status,
        },
        "responses": responses,
        "server_errors": sum(n for (_, status), n in tally.responses.items() if status >= 500),
        "transport_errors": tally.error_count,
        "first_transport_errors": tally.errors,
        "sse": {
            "events": dict(sorted(tally.events.items())),
            "per_stream_min": min(tally.per_stream),
            "per_stream_max": max(tally.per_stream),
            "longest_silence_s": round(max(tally.longest_silence), 1),
            "streams_ended_by_server": tally.reconnects,
        },
        "windows": [_window(w) for w in windows],
        "lines": [line(w) for w in windows],
    }


def write(report: dict[str, Any]) -> None:
    """Write the report to ``$DESKPULSE_SOAK_REPORT`` (``make soak``: bench/results/soak.json) when set, and its
    lines next to it (``.txt``)."""
    target = os.environ.get("DESKPULSE_SOAK_REPORT")
    if not target:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    path.with_suffix(".txt").write_text("\n".join(report["lines"]) + "\n", encoding="utf-8")
