"""The one place where source kinds are tied to connector classes."""

from __future__ import annotations

from typing import Any

from deskpulse.config import AnySource
from deskpulse.connectors.autotask.connector import AutotaskConnector
from deskpulse.connectors.files.connector import FilesConnector
from deskpulse.connectors.freshservice.connector import FreshserviceConnector
from deskpulse.connectors.librenms.connector import LibreNmsConnector
from deskpulse.connectors.protocol import Connector
from deskpulse.connectors.trengo.connector import TrengoConnector

CONNECTORS: dict[str, type[Any]] = {
    "trengo": TrengoConnector,
    "freshservice": FreshserviceConnector,
    "files": FilesConnector,
    "autotask": AutotaskConnector,
    # Monitoring, not tickets: built for `deskpulse check` and the uptime poller, never for a ticket sync.
    "librenms": LibreNmsConnector,
}


def build_connector(cfg: AnySource, **kwargs: Any) -> Connector:
    """Instantiate the connector for ``cfg.kind``; kwargs (transport, sleep) are for tests and the demo."""
    try:
        cls = CONNECTORS[cfg.kind]
    except KeyError as exc:  # pragma: no cover - config validation allows only known kinds
        raise ValueError(f"unknown source kind {cfg.kind!r}") from exc
    connector: Connector = cls(cfg, **kwargs)
    return connector
