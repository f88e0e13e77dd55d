"""Test a source's connection through its real connector and explain a failure in one sentence.

``deskpulse check`` and the browser's "Test connection" share this: one cheap authenticated call
(``Connector.check``), and the vendor's actual answer turned into what to do about it.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from deskpulse.config import AnySource
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.registry import build_connector
from deskpulse.settings_store import KIND_LABELS

# Where each vendor's credential is made, for the sentence after a refusal.
CREDENTIAL_HINTS = {
    "freshservice": "refused the API key ({status}): check the key under Profile settings",
    "trengo": "refused the personal access token ({status}): check the token under Settings → Apps & integrations",
    "autotask": (
        "refused the API user ({status}): check the user name, secret and integration code of the API-only user"
    ),
    "librenms": "refused the API token ({status}): check the token under API access (/api-access/) in LibreNMS",
}
BASE_URL_HINTS = {
    "freshservice": "https://<domain>.freshservice.com/api/v2",
    "trengo": "https://app.trengo.com/api/v2",
    "autotask": "https://webservicesN.autotask.net/ATServicesRest/V1.0 (or leave it empty to look the zone up)",
    "librenms": "https://<your LibreNMS host>/api/v0",
}
CHECK_TIMEOUT_SECONDS = 15.0
INTERNAL_ERROR = "internal error:"  # how the sync engine and the uptime poller word a bug or a store outage


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What a connection test found: ``ok`` and one sentence either way."""

    ok: bool
    message: str


def _causes(exc: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _where(cfg: AnySource) -> str:
    base = getattr(cfg, "base_url", None) or getattr(cfg, "zone_lookup_url", "")
    return str(base)


def explain(cfg: AnySource, exc: ConnectorError) -> str:
    """One sentence a person can act on, from the vendor's actual answer (status code, DNS, TLS, timeout)."""
    vendor = KIND_LABELS.get(cfg.kind, cfg.kind)
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain).lower()
    if exc.status in (401, 403) and cfg.kind in CREDENTIAL_HINTS:
        return f"{vendor} " + CREDENTIAL_HINTS[cfg.kind].format(status=exc.status) + "."
    if exc.status == 404:
        hint = BASE_URL_HINTS.get(cfg.kind)
        tail = f"; it should look like {hint}" if hint else ""
        return f"{vendor} has no API at {_where(cfg)} (404): check the base URL{tail}."
    if exc.status == 429:
        return (
            f"{vendor} is rate-limiting this key right now (429): other tools may be using the same limit; "
            "wait a minute and test again."
        )
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        phrase in text for phrase in ("name or service not known", "nodename nor servname", "getaddrinfo failed",
                                      "temporary failure in name resolution", "no address associated")
    ):  # fmt: skip
        return f"The host name in {_where(cfg)} could not be found (DNS): check the spelling of the base URL."
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text or "ssl" in text:
        return (
            f"The TLS certificate of {_where(cfg)} was not accepted: the address may be wrong, or a proxy "
            "replaces certificates (give its CA to the server's trust store)."
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return f"Nothing answers at {_where(cfg)} (connection refused): check the host and port of the base URL."
    if "did not answer within" in text:
        seconds = float(getattr(cfg, "timeout_seconds", CHECK_TIMEOUT_SECONDS))
        return f"{vendor} did not answer within {seconds:g} seconds at {_where(cfg)}: try again later."
    if exc.status is not None and exc.status >= 500:
        return f"{vendor} had a server error (HTTP {exc.status}): try again in a few minutes. {exc.message}"
    return f"{vendor}: {exc.message}"


def explain_stored(cfg: AnySource, error: str) -> str:
    """:func:`explain` for a sync error kept in the store as text: the connectors write the vendor's status as
    ``(HTTP nnn)`` and keep the network error's own words, which is all :func:`explain` reads."""
    if error.startswith(INTERNAL_ERROR):
        return "The sync stopped on an internal error, not on an answer of the vendor; the server log has the details."
    found = re.search(r"\bHTTP (\d{3})\b", error)
    return explain(cfg, ConnectorError(error, status=int(found.group(1)) if found else None))


def for_test(cfg: AnySource) -> AnySource:
    """``cfg`` made fit for an interactive test: no retries (a 429 is reported at once) and a short timeout."""
    changes: dict[str, Any] = {}
    if hasattr(cfg, "max_retries"):
        changes["max_retries"] = 0
    if hasattr(cfg, "timeout_seconds"):
        changes["timeout_seconds"] = min(float(cfg.timeout_seconds), CHECK_TIMEOUT_SECONDS)
    return cfg.model_copy(update=changes)


async def check_source(cfg: AnySource, **connector_kwargs: Any) -> CheckOutcome:
    """Call the vendor once through the real connector; never raises for a vendor problem."""
    connector = build_connector(cfg, **connector_kwargs)
    try:
        return CheckOutcome(True, await connector.check())
    except ConnectorError as exc:
        return CheckOutcome(False, explain(cfg, exc))
    finally:
        await connector.aclose()
