"""Log format shared by every deskpulse process (the CLI commands and uvicorn's worker processes)."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str = "INFO") -> None:
    """Log to standard error as ``time LEVEL logger: message``; the HTTP client's request lines stay quiet."""
    logging.basicConfig(level=level, format=FORMAT)
    # Request URLs can carry query strings; keep the HTTP client quiet.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
