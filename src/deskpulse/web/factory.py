"""``deskpulse.web.factory:create``: the app of each process of ``deskpulse serve --workers N``.

uvicorn starts every worker as a fresh interpreter that imports the app by name, so ``serve`` cannot hand over the
app it built. It leaves what it worked out in the environment instead (``DESKPULSE_CONFIG`` for ``--config``, and
``DESKPULSE_SERVE_OPTIONS``), and :func:`create` loads the configuration the same way ``serve`` did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass

from fastapi import FastAPI

from deskpulse.config import load_config
from deskpulse.logs import setup_logging
from deskpulse.web.app import create_app

OPTIONS_ENV = "DESKPULSE_SERVE_OPTIONS"
IMPORT_STRING = "deskpulse.web.factory:create"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What ``serve`` decided beyond the configuration: the public URL it filled in, and whether to sync."""

    public_url: str | None = None
    run_sync: bool = False

    def export(self, environ: MutableMapping[str, str] = os.environ) -> None:
        """Put the options where the worker processes (started later, with this environment) find them."""
        environ[OPTIONS_ENV] = json.dumps(asdict(self))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> ServeOptions:
        """The options ``export`` left, or the defaults when there are none."""
        raw = environ.get(OPTIONS_ENV)
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(public_url=data.get("public_url") or None, run_sync=bool(data.get("run_sync", False)))


def create() -> FastAPI:
    """The app of one worker process. The parent process has already migrated the store and announced the
    first-admin link, so neither happens again here (the migration check on start is a no-op)."""
    setup_logging()
    options = ServeOptions.from_environ()
    config = load_config()
    if options.public_url:
        config.auth.public_url = options.public_url
    return create_app(config, run_sync=options.run_sync)
