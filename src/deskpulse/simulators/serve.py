"""The Trengo simulator as a process of its own: ``python -m deskpulse.simulators.serve --port 8081``.

For tests that run deskpulse as real processes, and for trying a deployment (systemd units, containers, a reverse
proxy) without a vendor account: point a source's ``base_url`` at ``http://127.0.0.1:PORT/api/v2`` with the token
given by ``--token``. The desk stands still until something changes it: the Trengo API itself (``POST
/api/v2/tickets/{id}/close`` …) or the control routes (``POST /_sim/advance``, ``/_sim/faults``).
"""

from __future__ import annotations

import argparse

import uvicorn

from deskpulse.simulators.trengo import create_app
from deskpulse.simulators.trengo_scenario import TrengoScenario


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of the runner."""
    parser = argparse.ArgumentParser(prog="python -m deskpulse.simulators.serve", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="TCP port on --host")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--token", default="sim-token", help="the API token the simulator accepts")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated desk")
    parser.add_argument("--open-tickets", type=int, default=300, help="open tickets at start")
    parser.add_argument("--history-days", type=int, default=120, help="days of closed tickets behind them")
    parser.add_argument("--closed-per-day", type=int, default=40, help="tickets closed per simulated day")
    parser.add_argument("--rate-limit", type=int, default=120, help="requests per minute per token (Trengo: 120)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API response")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the simulated desk and serve it until interrupted."""
    args = parse_args(argv)
    scenario = TrengoScenario(
        args.seed, open_tickets=args.open_tickets, history_days=args.history_days, closed_per_day=args.closed_per_day
    )
    app = create_app(scenario, token=args.token, rate_limit_per_minute=args.rate_limit, latency_seconds=args.latency)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":  # pragma: no cover
    main()
