"""The LibreNMS simulator as a process of its own: ``python -m deskpulse.simulators.librenms_serve --port 8082``.

Point a ``kind = "librenms"`` source's ``base_url`` at ``http://127.0.0.1:PORT/api/v0`` with the token given by
``--token`` and ``server_timezone`` equal to ``--timezone``. Time stands still until ``POST /_sim/advance``.
"""

from __future__ import annotations

import argparse

import uvicorn

from deskpulse.simulators.librenms import create_app
from deskpulse.simulators.librenms_scenario import LibreNmsScenario


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of the runner."""
    parser = argparse.ArgumentParser(prog="python -m deskpulse.simulators.librenms_serve", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="TCP port on --host")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--token", default="sim-token", help="the API token the simulator accepts")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated network")
    parser.add_argument("--cpes", type=int, default=250, help="customer CPEs (at least 12)")
    parser.add_argument("--timezone", default="Europe/Amsterdam", help="zone of the naive timestamps")
    parser.add_argument("--legacy-strings", action="store_true", help="every raw-SQL value as a string")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API response")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the simulated network and serve it until interrupted."""
    args = parse_args(argv)
    scenario = LibreNmsScenario(
        args.seed, cpes=args.cpes, server_timezone=args.timezone, legacy_strings=args.legacy_strings
    )
    app = create_app(scenario, token=args.token, latency_seconds=args.latency)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":  # pragma: no cover
    main()
